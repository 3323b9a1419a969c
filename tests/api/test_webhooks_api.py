"""Outbound webhooks end to end: an endpoint registered under /webhooks, a domain event put
on the bus, the local runtime carrying it (bus rule -> bus-events -> fan-out ->
webhook-deliveries -> delivery) to a loopback receiver that verifies it with the
`standardwebhooks` reference library; retries on the schedule with the clock driven, the
dead-letter queue after the last, rotation, auto-disable, and each bad input."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from shared import events
from shared.webhooks import catalog, retries
from shared.webhooks import service as webhooks
from tests.factories import Account, assert_error
from tests.fake_servers import Reply, WebhookReceiver

WEBHOOKS = "/api/v1/webhooks"


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


def subscribe(
    admin: Account, receiver: WebhookReceiver, events_: list[str] | None = None, **body: Any
) -> dict[str, Any]:
    """Register the receiver for `events_` and give it the secret, as a team would."""
    answer = admin.client.post(
        WEBHOOKS,
        headers=admin.headers,
        json={"url": receiver.endpoint, "events": events_ or ["job.completed"], **body},
    )
    assert answer.status_code == 201, answer.text
    created = dict(answer.json())
    receiver.secrets.append(created["secret"])
    return created


def job_completed(team_id: str) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "job_id": "01JF3Z9A1B2C3D4E5F6G7H8J9K",
        "slug": "todo-api",
        "phase": None,
        "status": "completed",
        "message": "",
        "cost_usd": 0.42,
    }


def deliveries(admin: Account, webhook_id: str) -> list[dict[str, Any]]:
    answer = admin.client.get(f"{WEBHOOKS}/{webhook_id}/deliveries", headers=admin.headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def dead_letters(team_id: str) -> list[Any]:
    """The team's pending dead-letter items."""
    from shared.dead_letter import service as dead_letter
    from shared.pagination import PageParams

    items, _, _ = dead_letter.listing(team_id, PageParams(limit=100), status="pending")
    return items


# --- delivered, signed, verified ------------------------------------------------------


def test_a_finished_job_reaches_the_receiver_signed_and_verified(
    admin: Account, receiver: WebhookReceiver, pump: Any
) -> None:
    # Given an endpoint subscribed to job.completed
    webhook = subscribe(admin, receiver)
    pump.drain()

    # When a job of the team completes (the event on the bus) and the runtime runs
    assert events.publish("job.completed", job_completed(admin.team_id))
    pump.drain()

    # Then the receiver got one delivery that the reference library verifies
    assert len(receiver.requests) == 1
    assert receiver.verified == [{webhook["secret"]: True}]
    request = receiver.requests[0]
    assert request.body["type"] == "job.completed"
    assert request.body["data"]["job_id"] == "01JF3Z9A1B2C3D4E5F6G7H8J9K"
    assert datetime.fromisoformat(request.body["timestamp"])
    assert request.headers["webhook-signature"].startswith("v1,")
    # and the delivery is recorded as succeeded, with its attempt
    [delivery] = deliveries(admin, webhook["id"])
    assert delivery["status"] == "succeeded"
    assert delivery["attempts"] == 1
    assert delivery["last_response_code"] == 204
    assert delivery["next_attempt_at"] is None
    detail = admin.client.get(
        f"{WEBHOOKS}/{webhook['id']}/deliveries/{delivery['id']}", headers=admin.headers
    ).json()
    assert detail["message_id"] == request.headers["webhook-id"]
    assert detail["payload"] == request.body
    [attempt] = detail["attempt_log"]
    assert attempt["status"] == "succeeded"
    assert attempt["response_code"] == 204
    assert attempt["latency_ms"] >= 0


def test_a_real_job_ending_sends_a_signed_job_completed(
    admin: Account, receiver: WebhookReceiver, pump: Any
) -> None:
    # Given an endpoint subscribed to job.completed
    webhook = subscribe(admin, receiver)

    # When a job runs through the pipeline (emulated Step Functions) to its end
    body = {"name": "Field notes", "platform": "web", "features": "notes"}
    created = admin.client.post("/api/v1/jobs", headers=admin.headers, json=body)
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]
    deadline = time.monotonic() + 60
    while admin.client.get(f"/api/v1/jobs/{job_id}", headers=admin.headers).json()[
        "status"
    ] not in ("passed", "failed", "cancelled"):
        assert time.monotonic() < deadline
        time.sleep(0.05)  # the pipeline runs in emulated Step Functions' own threads
    pump.drain()

    # Then the receiver has job.completed for that job, verified, and nothing else
    [request] = receiver.requests
    assert request.body["type"] == "job.completed"
    assert request.body["data"]["job_id"] == job_id
    assert receiver.verified == [{webhook["secret"]: True}]


def test_only_subscribed_types_and_only_the_teams_events_are_delivered(
    admin: Account, receiver: WebhookReceiver, new_account: Callable[..., Account], pump: Any
) -> None:
    subscribe(admin, receiver, ["job.failed"])
    other = new_account()
    everything = WebhookReceiver()
    with everything:
        subscribe(other, everything, ["*"])
        pump.drain()

        events.publish("job.completed", job_completed(admin.team_id))  # not subscribed
        events.publish("job.failed", {**job_completed(admin.team_id), "status": "failed"})
        events.publish("job.created", job_completed(other.team_id))
        pump.drain()

        assert [r.body["type"] for r in receiver.requests] == ["job.failed"]
        assert [r.body["type"] for r in everything.requests] == ["job.created"]
        assert everything.requests[0].body["data"]["team_id"] == other.team_id


def test_the_fan_out_queries_the_subscriptions_and_never_scans(
    admin: Account, receiver: WebhookReceiver, dynamodb_calls: list[str], pump: Any
) -> None:
    from shared.webhooks.fanout import fan_out

    subscribe(admin, receiver, ["job.completed"])
    dynamodb_calls.clear()

    queued = fan_out(
        {
            "id": "4c1bd0d6-6f7c-4d1c-8f5e-2b3a4c5d6e7f",
            "detail-type": "job.completed",
            "time": "2026-12-04T10:00:00Z",
            "detail": job_completed(admin.team_id),
        }
    )

    assert queued == 1
    assert "Scan" not in dynamodb_calls
    assert dynamodb_calls.count("Query") == 2  # SUB#team#job.completed and SUB#team#*
    pump.drain()
    assert len(receiver.requests) == 1


def test_the_event_types_list_every_type_with_a_sample(admin: Account) -> None:
    answer = admin.client.get(f"{WEBHOOKS}/event-types", headers=admin.headers)

    assert answer.status_code == 200
    items = answer.json()["items"]
    assert {item["type"] for item in items} == catalog.TYPES
    assert {"job.completed", "webhook.test", "webhook.endpoint.disabled", "hook.received"} <= {
        item["type"] for item in items
    }
    assert all(item["description"] and item["sample"]["team_id"] for item in items)


# --- retries, the dead-letter queue ---------------------------------------------------


def test_a_failing_receiver_is_retried_on_the_schedule_then_dead_lettered(
    admin: Account, receiver: WebhookReceiver, pump: Any
) -> None:
    # Given an endpoint whose receiver answers 500 to everything
    webhook = subscribe(admin, receiver)
    receiver.script("POST", receiver.path, *[Reply(500, {"error": "down"})] * retries.ATTEMPTS)
    pump.drain()
    assert dead_letters(admin.team_id) == []

    # A whole second: a one-time schedule fires at a whole second, never early.
    start = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        # When the event is delivered, and the clock moves on through the schedule
        events.publish("job.completed", job_completed(admin.team_id))
        pump.drain()
        for wait in retries.SCHEDULE_SECONDS[1:]:
            # Not a second early...
            clock.shift(wait - 1)
            pump.drain()
            attempts_before = len(receiver.requests)
            # ...and then it is tried.
            clock.shift(1)
            pump.drain()
            assert len(receiver.requests) == attempts_before + 1
        clock.shift(timedelta(days=1))
        pump.drain()

    # Then it was tried 8 times, each signed and verifiable when it was sent, one message id
    assert len(receiver.requests) == retries.ATTEMPTS == 8
    assert all(check[webhook["secret"]] for check in receiver.verified)
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    sent_at = [int(r.headers["webhook-timestamp"]) for r in receiver.requests]
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent_at)]
    assert gaps == list(retries.SCHEDULE_SECONDS[1:])
    # and the delivery is failed with every attempt recorded, and dead-lettered
    [delivery] = deliveries(admin, webhook["id"])
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 8
    assert delivery["last_response_code"] == 500
    assert delivery["next_attempt_at"] is None
    [dead] = dead_letters(admin.team_id)
    assert dead.source == "webhook-deliveries"
    assert dead.origin_queue == "webhook-deliveries"
    assert dead.payload["delivery_id"] == delivery["id"]
    assert "failed 8 attempts; the last: answered 500" in dead.error

    # When an admin retries the item, the delivery gets a new series of attempts.
    from shared.dead_letter import service as dead_letter

    dead_letter.retry(admin.team_id, dead.id)
    pump.drain()
    [delivery] = deliveries(admin, webhook["id"])
    assert delivery["status"] == "succeeded"
    assert delivery["attempts"] == 9


def test_retry_after_on_429_is_honoured(
    admin: Account, receiver: WebhookReceiver, pump: Any
) -> None:
    webhook = subscribe(admin, receiver)
    receiver.script("POST", receiver.path, Reply(429, {}, {"Retry-After": "120"}))
    pump.drain()

    with time_machine.travel(datetime.now(UTC).replace(microsecond=0), tick=False) as clock:
        events.publish("job.completed", job_completed(admin.team_id))
        pump.drain()
        clock.shift(119)  # the schedule's 5 s have passed, the receiver's 120 s not
        pump.drain()
        assert len(receiver.requests) == 1
        clock.shift(1)
        pump.drain()
        assert len(receiver.requests) == 2
    [delivery] = deliveries(admin, webhook["id"])
    assert delivery["status"] == "succeeded"
    assert delivery["attempts"] == 2


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    admin: Account, receiver: WebhookReceiver
) -> None:
    webhook = subscribe(admin, receiver)
    receiver.script("POST", receiver.path, Reply(302, "", {"Location": f"{receiver.url}/else"}))

    answer = admin.client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=admin.headers)

    assert answer.json() == {
        "delivery_id": answer.json()["delivery_id"],
        "status": "failed",
        "response_code": 302,
        "error": "redirect not followed",
    }
    assert [r.path for r in receiver.requests] == [receiver.path]


# --- test, rotation, redelivery, recovery ---------------------------------------------


def test_a_test_delivery_is_sent_now_and_answers_its_outcome(
    admin: Account, receiver: WebhookReceiver
) -> None:
    webhook = subscribe(admin, receiver, ["job.failed"])

    answer = admin.client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=admin.headers)

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "succeeded"
    assert answer.json()["response_code"] == 204
    assert receiver.requests[0].body["type"] == "webhook.test"
    assert receiver.verified == [{webhook["secret"]: True}]


def test_after_a_rotation_both_secrets_sign_for_24_hours(
    admin: Account, receiver: WebhookReceiver
) -> None:
    webhook = subscribe(admin, receiver)
    old = webhook["secret"]

    rotated = admin.client.post(f"{WEBHOOKS}/{webhook['id']}/rotate-secret", headers=admin.headers)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    receiver.secrets.append(new)
    assert new != old
    assert new.startswith("whsec_")

    # Within 24 h: one header, two signatures; a receiver holding either verifies.
    admin.client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=admin.headers)
    assert receiver.verified[-1] == {old: True, new: True}
    assert len(receiver.requests[-1].headers["webhook-signature"].split(" ")) == 2

    # After 24 h the old secret no longer signs.
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=24, seconds=1), tick=False):
        webhooks.send_test(admin.team_id, webhook["id"])
    assert receiver.verified[-1] == {old: False, new: True}


def test_a_failed_delivery_is_redelivered_and_recovered(
    admin: Account, receiver: WebhookReceiver, pump: Any
) -> None:
    webhook = subscribe(admin, receiver)
    since = datetime.now(UTC) - timedelta(seconds=1)
    receiver.script("POST", receiver.path, Reply(500), Reply(503), Reply(500))
    failed = [
        admin.client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=admin.headers).json()
        for _ in range(3)
    ]
    assert [f["status"] for f in failed] == ["failed"] * 3

    # One redelivered by hand...
    first = failed[0]["delivery_id"]
    answer = admin.client.post(
        f"{WEBHOOKS}/{webhook['id']}/deliveries/{first}/redeliver", headers=admin.headers
    )
    assert answer.status_code == 202
    assert answer.json() == {"queued": 1}
    pump.drain()
    detail = admin.client.get(
        f"{WEBHOOKS}/{webhook['id']}/deliveries/{first}", headers=admin.headers
    ).json()
    assert detail["status"] == "succeeded"
    assert [a["response_code"] for a in detail["attempt_log"]] == [500, 204]

    # ...the others by recovering what failed since a time.
    answer = admin.client.post(
        f"{WEBHOOKS}/{webhook['id']}/recover",
        headers=admin.headers,
        params={"since": since.isoformat()},
    )
    assert answer.json() == {"queued": 2}
    pump.drain()
    assert {d["status"] for d in deliveries(admin, webhook["id"])} == {"succeeded"}
    assert len(receiver.requests) == 6
    # A retry carries the message id of the first attempt: receivers can deduplicate.
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[3].headers["webhook-id"]


def test_an_endpoint_failing_for_5_days_is_disabled_and_says_why(
    admin: Account, receiver: WebhookReceiver, published: list[tuple[str, dict[str, Any]]]
) -> None:
    webhook = subscribe(admin, receiver)
    receiver.script("POST", receiver.path, *[Reply(500)] * 3)
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        webhooks.send_test(admin.team_id, webhook["id"])
        clock.shift(timedelta(days=4, hours=23))
        webhooks.send_test(admin.team_id, webhook["id"])
        assert webhooks.get_webhook(admin.team_id, webhook["id"]).enabled
        clock.shift(timedelta(hours=1))
        webhooks.send_test(admin.team_id, webhook["id"])

    stored = admin.client.get(f"{WEBHOOKS}/{webhook['id']}", headers=admin.headers).json()
    assert stored["enabled"] is False
    assert "without a success for 5 days" in stored["disabled_reason"]
    [(_, detail)] = [p for p in published if p[0] == "webhook.endpoint.disabled"]
    assert detail["webhook_id"] == webhook["id"]
    assert detail["team_id"] == admin.team_id

    # Enabled again by a person, its failures so far no longer count.
    body = {"url": receiver.endpoint, "events": ["job.completed"], "enabled": True}
    replaced = admin.client.put(f"{WEBHOOKS}/{webhook['id']}", headers=admin.headers, json=body)
    assert replaced.json()["enabled"] is True
    assert replaced.json()["disabled_reason"] is None


# --- CRUD and bad input ---------------------------------------------------------------


def test_the_secret_is_shown_only_at_creation_and_crud_works(
    admin: Account, receiver: WebhookReceiver
) -> None:
    created = subscribe(admin, receiver, ["job.completed", "job.failed"], description="ci")
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["job.completed", "job.failed"]

    read = admin.client.get(f"{WEBHOOKS}/{created['id']}", headers=admin.headers).json()
    assert "secret" not in read
    assert read["description"] == "ci"
    assert read["enabled"] is True
    listed = admin.client.get(WEBHOOKS, headers=admin.headers).json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]

    body = {"url": receiver.endpoint, "events": ["*"], "enabled": False}
    replaced = admin.client.put(f"{WEBHOOKS}/{created['id']}", headers=admin.headers, json=body)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["events"] == ["*"]
    assert replaced.json()["enabled"] is False

    deleted = admin.client.delete(f"{WEBHOOKS}/{created['id']}", headers=admin.headers)
    assert deleted.status_code == 204
    assert_error(admin.client.get(f"{WEBHOOKS}/{created['id']}", headers=admin.headers), 404)


def test_a_disabled_or_deleted_endpoint_gets_nothing(
    admin: Account, receiver: WebhookReceiver, pump: Any
) -> None:
    webhook = subscribe(admin, receiver, enabled=False)
    pump.drain()
    events.publish("job.completed", job_completed(admin.team_id))
    pump.drain()
    admin.client.delete(f"{WEBHOOKS}/{webhook['id']}", headers=admin.headers)
    events.publish("job.completed", job_completed(admin.team_id))
    pump.drain()

    assert receiver.requests == []


def test_an_unknown_event_type_is_422_naming_the_known_ones(
    admin: Account, receiver: WebhookReceiver
) -> None:
    answer = admin.client.post(
        WEBHOOKS, headers=admin.headers, json={"url": receiver.endpoint, "events": ["job.done"]}
    )

    assert_error(answer, 422)
    for known in catalog.TYPES:
        assert f"'{known}'" in answer.text


@pytest.mark.parametrize(
    "events_", [[], ["*", "job.completed"], ["x" * 101]], ids=["none", "star-and-more", "long"]
)
def test_a_subscription_that_cannot_work_is_422(
    admin: Account, receiver: WebhookReceiver, events_: list[str]
) -> None:
    answer = admin.client.post(
        WEBHOOKS, headers=admin.headers, json={"url": receiver.endpoint, "events": events_}
    )

    assert_error(answer, 422)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",  # not https
        "https://10.0.0.8/hook",
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",  # the instance metadata service
        "https://[fd00::7]/hook",
        "https://user:pw@hooks.example.com/in",
        "ftp://hooks.example.com/in",
    ],
)
def test_deployed_a_non_https_or_private_url_is_422(
    admin: Account, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    from shared.webhooks import delivery

    monkeypatch.setattr(delivery, "strict_urls", lambda: True)

    answer = admin.client.post(
        WEBHOOKS, headers=admin.headers, json={"url": url, "events": ["job.completed"]}
    )

    assert_error(answer, 422)


def test_deployed_a_url_whose_name_turns_private_is_refused_at_send(
    admin: Account, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from shared.webhooks import delivery

    webhook = subscribe(admin, receiver)
    # The stored URL's name now resolves to the metadata service's address.
    monkeypatch.setattr(delivery, "strict_urls", lambda: True)
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 443))],
    )
    stored = webhooks.get_webhook(admin.team_id, webhook["id"])
    from shared.webhooks import endpoint_store

    endpoint_store.save_webhook(
        stored, stored.model_copy(update={"url": "https://hooks.example.com/in"})
    )

    answer = admin.client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=admin.headers)

    assert answer.json()["status"] == "failed"
    assert answer.json()["response_code"] is None
    assert "public address" in answer.json()["error"]
    assert receiver.requests == []


def test_another_teams_webhook_and_deliveries_are_404(
    admin: Account, receiver: WebhookReceiver, new_account: Callable[..., Account]
) -> None:
    webhook = subscribe(admin, receiver)
    test = admin.client.post(f"{WEBHOOKS}/{webhook['id']}/test", headers=admin.headers).json()
    other = new_account()
    base = f"{WEBHOOKS}/{webhook['id']}"
    delivery = f"{base}/deliveries/{test['delivery_id']}"
    body = {"url": receiver.endpoint, "events": ["*"]}

    for method, path, json_body, params in [
        ("GET", base, None, None),
        ("PUT", base, body, None),
        ("DELETE", base, None, None),
        ("POST", f"{base}/test", None, None),
        ("POST", f"{base}/rotate-secret", None, None),
        ("GET", f"{base}/deliveries", None, None),
        ("GET", delivery, None, None),
        ("POST", f"{delivery}/redeliver", None, None),
        ("POST", f"{base}/recover", None, {"since": "2026-01-01T00:00:00Z"}),
    ]:
        answer = other.client.request(
            method, path, headers=other.headers, json=json_body, params=params
        )
        assert_error(answer, 404)
    # and an unknown delivery of one's own endpoint too
    assert_error(
        admin.client.get(f"{base}/deliveries/01JF3ZZZZZZZZZZZZZZZZZZZZZ", headers=admin.headers),
        404,
    )
    assert len(receiver.requests) == 1  # the other team's test sent nothing


def test_a_member_reads_webhooks_but_cannot_change_them(
    admin: Account, receiver: WebhookReceiver, new_account: Callable[..., Account]
) -> None:
    webhook = subscribe(admin, receiver)
    member = new_account(invited_by=admin, role="member")

    assert member.client.get(WEBHOOKS, headers=member.headers).status_code == 200
    body = {"url": receiver.endpoint, "events": ["*"]}
    assert_error(member.client.post(WEBHOOKS, headers=member.headers, json=body), 403)
    assert_error(
        member.client.post(f"{WEBHOOKS}/{webhook['id']}/rotate-secret", headers=member.headers),
        403,
    )


def test_a_delivery_message_received_twice_sends_once(
    admin: Account, receiver: WebhookReceiver, lambda_context: Any, pump: Any
) -> None:
    from functions.webhook_delivery.handler import handler
    from shared.ids import new_id
    from shared.webhooks import delivery_store
    from shared.webhooks.delivery import message
    from shared.webhooks.domain import Delivery

    webhook = subscribe(admin, receiver)
    pump.drain()
    made = Delivery(
        id=new_id(),
        webhook_id=webhook["id"],
        team_id=admin.team_id,
        message_id="msg_twice",
        event_type="job.completed",
        body='{"type":"job.completed","timestamp":"2026-12-04T10:00:00+00:00","data":{}}',
        status="pending",
        created_at=datetime.now(UTC),
    )
    delivery_store.add_delivery(made)
    record = {
        "messageId": "m-1",
        "receiptHandle": "r-1",
        "body": json.dumps(message(made, 1)),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:webhook-deliveries",
        "awsRegion": "us-east-1",
    }

    # SQS delivers at least once: the same message twice, in two batches.
    for _ in range(2):
        answer = handler({"Records": [record]}, lambda_context)
        assert answer == {"batchItemFailures": []}

    assert len(receiver.requests) == 1
    found = delivery_store.get_delivery(webhook["id"], made.id)
    assert found is not None
    assert found[0].status == "succeeded"
    assert len(found[0].attempts) == 1


def test_the_consumers_take_their_sample_events(
    load_event: Callable[[str], dict[str, Any]],
    lambda_context: Any,
    admin: Account,
    receiver: WebhookReceiver,
    pump: Any,
) -> None:
    from functions.webhook_delivery.handler import handler as delivery_handler
    from functions.webhook_fanout.handler import handler as fanout_handler

    # Given the sample bus event carried for this team, which subscribes to it
    webhook = subscribe(admin, receiver)
    bus = load_event("sqs_bus_events.json")
    event = json.loads(bus["Records"][0]["body"])
    event["id"] = f"sample-{webhook['id']}"
    event["detail"]["team_id"] = admin.team_id
    bus["Records"][0]["body"] = json.dumps(event)

    # Then the fan-out takes it and stores one delivery
    assert fanout_handler(bus, lambda_context) == {"batchItemFailures": []}
    [delivery] = deliveries(admin, webhook["id"])
    assert delivery["status"] == "pending"
    # and a delivery message naming nothing stored is done with, not failed
    assert delivery_handler(load_event("sqs_webhook_delivery.json"), lambda_context) == {
        "batchItemFailures": []
    }
    # and the delivery queued is made by the runtime
    pump.drain()
    assert receiver.requests[0].body["data"]["team_id"] == admin.team_id
