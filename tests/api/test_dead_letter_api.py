"""The dead-letter queue: admin routes over HTTP (list, filters, get, add, retry into the
queue of origin, bounded retry-all, delete, stats), and the archiver carrying dead-letter
queue messages into items, end to end through the local pump."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from shared.aws import client
from shared.dead_letter.domain import SOURCES
from shared.ids import new_id
from shared.queues import BUS_DEAD_LETTER_KEY, QUEUES, queue_url
from tests.factories import assert_error

DEAD = "/api/v1/dead-letter"

Headers = dict[str, str]


@pytest.fixture
def team(token_for: Callable[..., Headers]) -> tuple[str, Headers]:
    """A fresh team (no items yet) and its admin's headers."""
    team_id = f"dlq-{new_id().lower()}"
    return team_id, token_for(team_id)


def add(gateway: TestClient, headers: Headers, **body: Any) -> dict[str, Any]:
    document = {"error": "consumer gave up", "payload": {"n": new_id()}, **body}
    answer = gateway.post(DEAD, headers=headers, json=document)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def take(key: str, marker: str) -> list[dict[str, Any]]:
    """The bodies on queue `key` that carry `marker` (deleted: no consumer sees them)."""
    sqs = client("sqs")
    found = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=queue_url(key), MaxNumberOfMessages=10, VisibilityTimeout=30
        ).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            if marker in message["Body"]:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue_url(key), ReceiptHandle=message["ReceiptHandle"])


# --- add, read, list ---------------------------------------------------------------------


def test_an_item_added_by_hand_is_pending_manual_and_reads_back(
    gateway: TestClient, team: tuple[str, Headers]
) -> None:
    team_id, headers = team
    created = add(
        gateway, headers, payload={"team_id": team_id, "k": [1, 2]}, origin_queue="hook-events"
    )

    assert created["source"] == "manual"
    assert created["status"] == "pending"
    assert created["origin_queue"] == "hook-events"
    assert created["retried_at"] is None
    read = gateway.get(f"{DEAD}/{created['id']}", headers=headers)
    assert read.status_code == 200
    assert read.json() == created
    assert read.json()["payload"] == {"team_id": team_id, "k": [1, 2]}


def test_a_payload_its_queue_would_not_take_from_the_team_is_422(
    gateway: TestClient, team: tuple[str, Headers]
) -> None:
    """A retry puts the payload on its queue, whose consumer trusts its team_id: never
    another team's; and a FIFO queue groups its messages by a field the payload must hold."""
    team_id, headers = team
    other = {"error": "x", "payload": {"team_id": "someone-else"}, "origin_queue": "bus-events"}
    refused = gateway.post(DEAD, headers=headers, json=other)
    assert_error(refused, 422)
    assert "another team" in refused.json()["detail"]
    ungrouped = {"error": "x", "payload": {"entry_id": "e"}, "origin_queue": "knowledge-index"}
    refused = gateway.post(DEAD, headers=headers, json=ungrouped)
    assert_error(refused, 422)
    assert "team_id" in refused.json()["detail"]
    grouped = {**ungrouped, "payload": {"team_id": team_id, "entry_id": "e"}}
    item = gateway.post(DEAD, headers=headers, json=grouped)
    assert item.status_code == 201, item.text
    assert gateway.get(DEAD, headers=headers).json()["total"] == 1


def test_the_list_pages_newest_first_and_filters_by_source_and_status(
    gateway: TestClient, team: tuple[str, Headers]
) -> None:
    _, headers = team
    first = add(gateway, headers, origin_queue="hook-events")
    second = add(gateway, headers)
    third = add(gateway, headers, origin_queue="bus-events")
    retried = gateway.post(f"{DEAD}/{first['id']}/retry", headers=headers)
    assert retried.status_code == 200, retried.text
    take("hook-events", first["payload"]["n"])

    page = gateway.get(DEAD, headers=headers, params={"limit": 2}).json()
    assert [item["id"] for item in page["items"]] == [third["id"], second["id"]]
    assert page["total"] == 3
    rest = gateway.get(DEAD, headers=headers, params={"cursor": page["next_cursor"]}).json()
    assert [item["id"] for item in rest["items"]] == [first["id"]]

    pending = gateway.get(DEAD, headers=headers, params={"status": "pending"}).json()
    assert {item["id"] for item in pending["items"]} == {second["id"], third["id"]}
    assert pending["total"] == 2
    done = gateway.get(DEAD, headers=headers, params={"status": "retried"}).json()
    assert [item["id"] for item in done["items"]] == [first["id"]]
    manual = gateway.get(
        DEAD, headers=headers, params={"source": "manual", "status": "pending"}
    ).json()
    assert manual["total"] == 2
    none = gateway.get(DEAD, headers=headers, params={"source": "hook-events"}).json()
    assert none["items"] == []


@pytest.mark.parametrize(
    "params",
    [{"source": "smtp"}, {"status": "lost"}, {"limit": 0}, {"source": "MANUAL"}],
    ids=["unknown source", "unknown status", "limit 0", "source in capitals"],
)
def test_unknown_filter_values_are_422(
    gateway: TestClient, team: tuple[str, Headers], params: dict[str, Any]
) -> None:
    assert_error(gateway.get(DEAD, headers=team[1], params=params), 422)


@pytest.mark.parametrize(
    "body",
    [
        {"payload": {"a": 1}},
        {"error": "x", "payload": [1, 2]},
        {"error": "x", "payload": {}, "origin_queue": "nowhere"},
        {"error": "x", "payload": {}, "source": "bus"},
        {"error": "   ", "payload": {}},
    ],
    ids=["no error", "payload not an object", "unknown queue", "source not settable", "blank"],
)
def test_a_bad_item_is_422(
    gateway: TestClient, team: tuple[str, Headers], body: dict[str, Any]
) -> None:
    assert_error(gateway.post(DEAD, headers=team[1], json=body), 422)


def test_a_payload_that_would_not_fit_on_a_queue_is_413(
    gateway: TestClient, team: tuple[str, Headers]
) -> None:
    body = {"error": "x", "payload": {"blob": "a" * (256 * 1024)}}
    assert_error(gateway.post(DEAD, headers=team[1], json=body), 413)


# --- who may ---------------------------------------------------------------------------


def test_a_member_is_403_on_every_dead_letter_route(
    gateway: TestClient, team: tuple[str, Headers], token_for: Callable[..., Headers]
) -> None:
    team_id, headers = team
    item = add(gateway, headers)
    member = token_for(team_id, "member")

    for method, path in [
        ("GET", DEAD),
        ("POST", DEAD),
        ("GET", f"{DEAD}/stats"),
        ("POST", f"{DEAD}/retry-all"),
        ("GET", f"{DEAD}/{item['id']}"),
        ("POST", f"{DEAD}/{item['id']}/retry"),
        ("DELETE", f"{DEAD}/{item['id']}"),
    ]:
        body = {"error": "x", "payload": {}} if (method, path) == ("POST", DEAD) else None
        assert_error(gateway.request(method, path, headers=member, json=body), 403)
    assert gateway.get(f"{DEAD}/{item['id']}", headers=headers).json()["status"] == "pending"


def test_another_teams_item_is_404_and_left_alone(
    gateway: TestClient, team: tuple[str, Headers], token_for: Callable[..., Headers]
) -> None:
    _, headers = team
    item = add(gateway, headers, origin_queue="hook-events")
    intruder = token_for(f"dlq-other-{new_id().lower()}")

    assert_error(gateway.get(f"{DEAD}/{item['id']}", headers=intruder), 404)
    assert_error(gateway.post(f"{DEAD}/{item['id']}/retry", headers=intruder), 404)
    assert_error(gateway.delete(f"{DEAD}/{item['id']}", headers=intruder), 404)
    assert gateway.get(DEAD, headers=intruder).json()["total"] == 0
    assert gateway.post(f"{DEAD}/retry-all", headers=intruder).json() == {"queued": 0}
    assert gateway.get(f"{DEAD}/{item['id']}", headers=headers).json()["status"] == "pending"
    assert take("hook-events", item["payload"]["n"]) == []


# --- retry, retry-all, delete ----------------------------------------------------------


def test_retry_sends_the_original_payload_to_its_queue_once(
    gateway: TestClient, team: tuple[str, Headers]
) -> None:
    _, headers = team
    payload = {"team_id": team[0], "webhook_id": "w", "delivery_id": new_id(), "attempt": 8}
    item = add(gateway, headers, payload=payload, origin_queue="webhook-deliveries")

    retried = gateway.post(f"{DEAD}/{item['id']}/retry", headers=headers)

    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "retried"
    assert retried.json()["retried_at"] is not None
    assert take("webhook-deliveries", payload["delivery_id"]) == [payload]
    again = gateway.post(f"{DEAD}/{item['id']}/retry", headers=headers)
    assert_error(again, 409)
    assert take("webhook-deliveries", payload["delivery_id"]) == []


def test_an_item_with_no_queue_to_go_back_to_is_409_on_retry(
    gateway: TestClient, team: tuple[str, Headers]
) -> None:
    item = add(gateway, team[1])

    assert_error(gateway.post(f"{DEAD}/{item['id']}/retry", headers=team[1]), 409)
    assert gateway.get(f"{DEAD}/{item['id']}", headers=team[1]).json()["status"] == "pending"


def test_retry_all_is_bounded_oldest_first_and_says_how_many_it_queued(
    gateway: TestClient, team: tuple[str, Headers]
) -> None:
    _, headers = team
    marker = new_id()
    items = [
        add(gateway, headers, payload={"m": marker, "i": i}, origin_queue="bus-events")
        for i in range(3)
    ]
    kept = add(gateway, headers, payload={"m": marker, "i": "no queue"})

    first = gateway.post(f"{DEAD}/retry-all", headers=headers, params={"limit": 2})
    assert first.status_code == 200, first.text
    assert first.json() == {"queued": 2}
    assert sorted(body["i"] for body in take("bus-events", marker)) == [0, 1]
    assert gateway.post(f"{DEAD}/retry-all", headers=headers).json() == {"queued": 1}
    assert [body["i"] for body in take("bus-events", marker)] == [2]
    assert gateway.post(f"{DEAD}/retry-all", headers=headers).json() == {"queued": 0}

    statuses = {
        item["id"]: gateway.get(f"{DEAD}/{item['id']}", headers=headers).json()["status"]
        for item in [*items, kept]
    }
    assert statuses == {**{item["id"]: "retried" for item in items}, kept["id"]: "pending"}
    assert_error(gateway.post(f"{DEAD}/retry-all", headers=headers, params={"limit": 101}), 422)


def test_delete_removes_the_item_and_its_count(
    gateway: TestClient, team: tuple[str, Headers]
) -> None:
    _, headers = team
    item = add(gateway, headers)
    assert gateway.get(f"{DEAD}/stats", headers=headers).json()["total"] == 1

    assert gateway.delete(f"{DEAD}/{item['id']}", headers=headers).status_code == 204

    assert_error(gateway.get(f"{DEAD}/{item['id']}", headers=headers), 404)
    assert_error(gateway.delete(f"{DEAD}/{item['id']}", headers=headers), 404)
    assert gateway.get(f"{DEAD}/stats", headers=headers).json()["total"] == 0


# --- stats -----------------------------------------------------------------------------


def test_stats_count_pending_items_by_source_with_the_oldest_age(
    gateway: TestClient, team: tuple[str, Headers]
) -> None:
    _, headers = team
    empty = gateway.get(f"{DEAD}/stats", headers=headers)
    assert empty.status_code == 200
    assert empty.json() == {
        "total": 0,
        # Every source, each work queue's included, counted from zero.
        "by_source": dict.fromkeys(SOURCES, 0),
        "oldest_age_seconds": None,
    }
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        oldest = add(gateway, headers, origin_queue="hook-events")
        clock.shift(timedelta(seconds=30))
        add(gateway, headers)
        clock.shift(timedelta(seconds=60))
        stats = gateway.get(f"{DEAD}/stats", headers=headers).json()
        assert stats["total"] == 2
        assert stats["by_source"]["manual"] == 2
        assert stats["oldest_age_seconds"] == 90

        gateway.post(f"{DEAD}/{oldest['id']}/retry", headers=headers)
        take("hook-events", oldest["payload"]["n"])
        after = gateway.get(f"{DEAD}/stats", headers=headers).json()
    assert after["total"] == 1
    assert after["by_source"]["manual"] == 1
    assert after["oldest_age_seconds"] == 60


# --- the archiver ----------------------------------------------------------------------


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


def test_a_message_its_consumer_cannot_handle_ends_as_an_item_of_its_team(
    gateway: TestClient,
    team: tuple[str, Headers],
    pump: Any,
    clock: time_machine.Traveller,
) -> None:
    """hook_ingest fails a message without a source on every receive: after the queue's
    max receives SQS moves it to hook-events-dlq, which the archiver keeps as an item."""
    from shared.queues import QUEUES_BY_KEY, send

    team_id, headers = team
    spec = QUEUES_BY_KEY["hook-events"]
    body = {"team_id": team_id, "event_id": new_id(), "type": "push"}
    send("hook-events", body)

    # One drain more than the receives: SQS moves the message when it would be received
    # once more, and the same drain carries it on to the archiver.
    for _ in range(spec.max_receive_count + 1):
        pump.drain()
        clock.shift(timedelta(seconds=spec.visibility_timeout_seconds + 1))

    [item] = gateway.get(DEAD, headers=headers).json()["items"]
    assert item["source"] == "hook-events"
    assert item["origin_queue"] == "hook-events"
    assert item["status"] == "pending"
    assert item["payload"] == body
    assert item["error"] == (
        f"not handled by the hook-events consumer in {spec.max_receive_count} receives"
    )
    assert gateway.get(f"{DEAD}/stats", headers=headers).json()["by_source"]["hook-events"] == 1

    # Retried, the original payload is back on hook-events.
    assert gateway.post(f"{DEAD}/{item['id']}/retry", headers=headers).status_code == 200
    assert take("hook-events", body["event_id"]) == [body]


def dead_letter_event(
    queue_key: str, body: str, message_id: str, attributes: dict[str, str] | None = None
) -> dict[str, Any]:
    """An SQS event as Lambda gives the archiver a dead-letter queue's message."""
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": "handle",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {
                    name: {"stringValue": value, "dataType": "String"}
                    for name, value in (attributes or {}).items()
                },
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:factory-test-{queue_key}",
                "awsRegion": "us-east-1",
            }
        ]
    }


def test_an_event_the_bus_could_not_deliver_is_kept_as_a_bus_item_retried_into_bus_events(
    gateway: TestClient, team: tuple[str, Headers], pump: Any
) -> None:
    team_id, headers = team
    event = {
        "id": new_id(),
        "detail-type": "job.completed",
        "source": "software-factory",
        "time": "2031-01-01T00:00:00Z",
        "detail": {"team_id": team_id, "job_id": "j1"},
    }
    client("sqs").send_message(
        QueueUrl=queue_url(BUS_DEAD_LETTER_KEY),
        MessageBody=json.dumps(event),
        MessageAttributes={
            "ERROR_CODE": {"DataType": "String", "StringValue": "SQS_ACCESS_DENIED"},
            "ERROR_MESSAGE": {"DataType": "String", "StringValue": "no permission"},
        },
    )

    pump.drain()

    [item] = gateway.get(DEAD, headers=headers, params={"source": "bus"}).json()["items"]
    assert item["payload"] == event
    assert item["origin_queue"] == "bus-events"
    assert item["error"] == "the event bus could not deliver it: SQS_ACCESS_DENIED: no permission"
    assert gateway.post(f"{DEAD}/{item['id']}/retry", headers=headers).status_code == 200
    assert take("bus-events", event["id"]) == [event]


def test_a_message_with_no_team_is_kept_under_unowned(
    gateway: TestClient, token_for: Callable[..., Headers], lambda_context: Any
) -> None:
    from functions.dead_letter_archiver.handler import handler

    marker = new_id()
    answer = handler(
        dead_letter_event(BUS_DEAD_LETTER_KEY, json.dumps({"schedule": marker}), marker),
        lambda_context,
    )

    assert answer == {"batchItemFailures": []}
    operator = token_for("_unowned")
    items = gateway.get(DEAD, headers=operator, params={"limit": 100}).json()["items"]
    [item] = [item for item in items if item["payload"] == {"schedule": marker}]
    assert item["source"] == "bus"
    assert item["origin_queue"] is None
    assert item["error"] == "a schedule could not run it"


def test_a_redelivered_message_is_archived_once(
    gateway: TestClient, team: tuple[str, Headers], lambda_context: Any
) -> None:
    from functions.dead_letter_archiver.handler import handler

    team_id, headers = team
    body = json.dumps({"team_id": team_id, "webhook_id": "w", "delivery_id": "d", "attempt": 8})
    event = dead_letter_event("webhook-deliveries-dlq", body, new_id())

    handler(event, lambda_context)
    handler(event, lambda_context)

    page = gateway.get(DEAD, headers=headers).json()
    assert page["total"] == 1
    assert page["items"][0]["source"] == "webhook-deliveries"
    assert gateway.get(f"{DEAD}/stats", headers=headers).json()["total"] == 1


def test_a_body_that_is_not_json_is_kept_as_text_and_not_retryable(
    gateway: TestClient, token_for: Callable[..., Headers], lambda_context: Any
) -> None:
    from functions.dead_letter_archiver.handler import handler

    marker = f"not json {new_id()}"
    handler(dead_letter_event("bus-events-dlq", marker, new_id()), lambda_context)

    operator = token_for("_unowned")
    items = gateway.get(
        DEAD, headers=operator, params={"source": "bus-events", "limit": 100}
    ).json()["items"]
    [item] = [item for item in items if item["payload"] == marker]
    assert item["origin_queue"] is None
    assert_error(gateway.post(f"{DEAD}/{item['id']}/retry", headers=operator), 409)


def test_the_archiver_consumes_every_dead_letter_queue_and_the_group_sends_to_every_queue() -> None:
    from functions.registry import GROUPS_BY_NAME, WORKERS

    [archiver] = [worker for worker in WORKERS if worker.name == "dead_letter_archiver"]
    assert set(archiver.consumes) == {
        *(spec.dead_letter_key() for spec in QUEUES),
        BUS_DEAD_LETTER_KEY,
    }
    assert set(GROUPS_BY_NAME["dead_letter"].sends_to) == {spec.key for spec in QUEUES}
