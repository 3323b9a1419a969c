"""The trigger matcher over emulated AWS: a product event (a `trigger-events` message) fires
the team's enabled event triggers whose pattern and filters match it, one `trigger-fires`
message each, read from at most four index partitions of that team only; `hook.received`
filters see the sender's body; a redelivered event fires nothing twice; a trigger never
fires on its own `trigger.*` events, and a chain of triggers is cut."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.client import BaseClient

from functions.trigger_matcher.handler import handler
from shared.aws import client
from shared.event_rules.inbound import with_sender_body
from shared.hooks import event_store
from shared.hooks.payloads import put_payload
from shared.ids import new_id
from shared.queues import queue_url
from shared.triggers import store
from shared.triggers.domain import FireRequest, Trigger, WebhookAction
from shared.triggers.matcher import MAX_CARRIED_PAYLOAD_BYTES, MAX_CHAIN

pytestmark = pytest.mark.usefixtures("aws")

AT = "2026-12-04T09:00:00Z"


def add_trigger(
    team: str, event: str, filters: dict[str, Any] | None = None, *, enabled: bool = True
) -> str:
    now = datetime.now(UTC)
    trigger = Trigger(
        id=new_id(),
        team_id=team,
        name=f"on {event}",
        type="event",
        config={"event": event, "filters": filters or {}},
        action=WebhookAction(type="webhook", webhook_id=new_id()),
        enabled=enabled,
        created_at=now,
        updated_at=now,
    )
    return store.create_trigger(trigger).id


def bus_event(team: str, event_type: str, **data: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": new_id(),
        "detail-type": event_type,
        "source": "software-factory",
        "account": "123456789012",
        "time": AT,
        "region": "us-east-1",
        "resources": [],
        "detail": {"team_id": team, **data},
    }


def sqs(*events: dict[str, Any] | str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{index}",
                "receiptHandle": f"r-{index}",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:trigger-events",
                "awsRegion": "us-east-1",
            }
            for index, body in enumerate(events)
        ]
    }


def fires(team: str) -> list[dict[str, Any]]:
    """The `trigger-fires` messages of `team` waiting now (taken off the queue)."""
    sqs_client, url = client("sqs"), queue_url("trigger-fires")
    found: list[dict[str, Any]] = []
    while True:
        got = sqs_client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return [body for body in found if body["team_id"] == team]
        for message in got:
            found.append(json.loads(message["Body"]))
            sqs_client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def queried(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The partition key of every DynamoDB Query made (and "Scan" for any Scan)."""
    keys: list[str] = []
    original = BaseClient._make_api_call

    def recording(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            if operation == "Scan":
                keys.append("Scan")
            elif operation == "Query" and "RULE#" in json.dumps(params):
                values = params.get("ExpressionAttributeValues", {})
                keys.extend(v["S"] for v in values.values() if v.get("S", "").startswith("RULE#"))
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return keys


def test_an_event_fires_each_matching_enabled_trigger_once(lambda_context: Any) -> None:
    team = f"match-{new_id()}"
    exact = add_trigger(team, "job.failed")
    prefix = add_trigger(team, "job.*")
    everything = add_trigger(team, "*")
    filtered = add_trigger(team, "job.failed", {"data.slug": ["todo-api", "other"]})
    add_trigger(team, "job.failed", {"data.slug": "other"})  # its filter does not match
    add_trigger(team, "job.completed")  # another type
    add_trigger(team, "job.failed", enabled=False)  # off
    event = bus_event(team, "job.failed", slug="todo-api", status="failed")

    answer = handler(sqs(event), lambda_context)

    assert answer == {"batchItemFailures": []}
    sent = fires(team)
    assert sorted(body["trigger_id"] for body in sent) == sorted(
        [exact, prefix, everything, filtered]
    )
    for body in sent:
        request = FireRequest.model_validate(body)  # what the runner reads
        assert request.reason == "event"
        assert request.scheduled_for == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
        assert request.event == {
            "id": event["id"],
            "type": "job.failed",
            "timestamp": AT,
            "data": event["detail"],
        }
        assert request.fire_key == f"event:{event['id']}"


def test_only_the_teams_own_partitions_are_read_at_most_four_queries(
    lambda_context: Any, queried: list[str]
) -> None:
    team, other = f"match-{new_id()}", f"match-{new_id()}"
    mine = add_trigger(team, "job.phase.*")
    theirs = [add_trigger(other, name) for name in ("job.phase.completed", "job.*", "*")]
    queried.clear()

    handler(sqs(bus_event(team, "job.phase.completed", phase="dev")), lambda_context)

    assert queried == [
        f"RULE#{team}#job.phase.completed",
        f"RULE#{team}#job.phase.*",
        f"RULE#{team}#job.*",
        f"RULE#{team}#*",
    ]
    assert [body["trigger_id"] for body in fires(team)] == [mine]
    assert fires(other) == []
    assert theirs  # stored, and never read


def test_an_event_naming_no_team_reads_nothing(lambda_context: Any, queried: list[str]) -> None:
    event = bus_event("x", "job.failed")
    del event["detail"]["team_id"]

    assert handler(sqs(event), lambda_context) == {"batchItemFailures": []}
    assert queried == []


def test_hook_received_filters_see_the_senders_body(lambda_context: Any) -> None:
    team, source = f"match-{new_id()}", new_id()
    main = add_trigger(
        team, "hook.received", {"data.sender_type": "push", "payload.ref": "refs/heads/main"}
    )

    def received(ref: str, *, large: bool = False) -> dict[str, Any]:
        event_id = new_id()
        body = json.dumps({"ref": ref, "filler": "x" * (MAX_CARRIED_PAYLOAD_BYTES if large else 0)})
        key = put_payload(team, source, event_id, body.encode()) if large else None
        event_store.save_event(
            team, source, event_id, "push", datetime.now(UTC), None if large else body, key
        )
        return bus_event(
            team,
            "hook.received",
            source_id=source,
            event_id=event_id,
            sender_type="push",
            scheme="github",
        )

    on_main, on_branch = received("refs/heads/main"), received("refs/heads/x")
    large = received("refs/heads/main", large=True)
    gone = bus_event(team, "hook.received", source_id=source, event_id=new_id(), sender_type="push")

    handler(sqs(on_main, on_branch, large, gone), lambda_context)

    sent = {body["event"]["id"]: body for body in fires(team)}
    # The push to main fires; to another branch, or one whose body is gone, does not
    assert set(sent) == {on_main["id"], large["id"]}
    assert {body["trigger_id"] for body in sent.values()} == {main}
    assert sent[on_main["id"]]["event"]["payload"] == {"ref": "refs/heads/main", "filler": ""}
    # A body too large for the message (kept in S3) is left out, and loaded again for the run
    carried = sent[large["id"]]["event"]
    assert "payload" not in carried
    assert with_sender_body(carried)["payload"]["ref"] == "refs/heads/main"


def test_a_redelivered_event_fires_once_and_a_bad_record_fails_alone(
    lambda_context: Any,
) -> None:
    team = f"match-{new_id()}"
    trigger = add_trigger(team, "budget.threshold_crossed")
    event = bus_event(team, "budget.threshold_crossed", threshold=80)

    first = handler(sqs(event, "not json"), lambda_context)
    again = handler(sqs(event), lambda_context)

    assert first == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert again == {"batchItemFailures": []}
    assert [body["trigger_id"] for body in fires(team)] == [trigger]


def test_a_trigger_never_fires_on_its_own_events_and_chains_are_cut(lambda_context: Any) -> None:
    team = f"match-{new_id()}"
    on_fired = add_trigger(team, "trigger.fired")
    on_any = add_trigger(team, "trigger.*")

    def fired(by: str, **more: Any) -> dict[str, Any]:
        return bus_event(team, "trigger.fired", trigger_id=by, run_id=new_id(), **more)

    # Each trigger's own fire: only the other one fires on it
    handler(sqs(fired(on_fired)), lambda_context)
    assert [body["trigger_id"] for body in fires(team)] == [on_any]
    handler(sqs(fired(on_any)), lambda_context)
    assert [body["trigger_id"] for body in fires(team)] == [on_fired]
    # Another trigger's fire deep in a chain fires them; at the chain's limit, nothing
    handler(sqs(fired(new_id(), chain=MAX_CHAIN - 1)), lambda_context)
    assert len(fires(team)) == 2
    handler(sqs(fired(new_id(), chain=MAX_CHAIN)), lambda_context)
    assert fires(team) == []


def test_a_published_event_runs_its_trigger_through_the_local_runtime(pump: Any) -> None:
    from shared import events
    from shared.pagination import PageParams
    from shared.webhooks import service as webhooks
    from tests.fake_servers import WebhookReceiver

    team = f"match-{new_id()}"
    with WebhookReceiver() as receiver:
        endpoint = webhooks.create_webhook(team, receiver.endpoint, ["job.failed"], None, True)
        receiver.secrets.append(endpoint.secrets[0].value)
        now = datetime.now(UTC)
        trigger = store.create_trigger(
            Trigger(
                id=new_id(),
                team_id=team,
                name="tell the receiver",
                type="event",
                config={"event": "job.failed", "filters": {"data.slug": "todo-api"}},
                action=WebhookAction(type="webhook", webhook_id=endpoint.id),
                owner_id="user-1",
                created_at=now,
                updated_at=now,
            )
        )

        # bus rule -> trigger-events -> matcher -> trigger-fires -> runner -> delivery
        assert events.publish("job.failed", {"team_id": team, "slug": "todo-api"})
        pump.drain()

        [run] = store.list_runs(trigger.id, PageParams(limit=10))[0]
        assert (run.reason, run.outcome, run.error) == ("event", "succeeded", None)
        # the endpoint got the trigger.fired delivery once (and, subscribed to job.failed,
        # the event itself from the fan-out)
        kinds = sorted(json.loads(request.raw)["type"] for request in receiver.requests)
        assert kinds == ["job.failed", "trigger.fired"]
