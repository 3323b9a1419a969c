"""Inbound webhooks end to end: a source created under /webhooks/sources, signed POSTs to
its public /hooks/{id} (each scheme, each bad input the issue lists), the hook-events
consumer storing what was accepted and announcing it as `hook.received`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from shared.settings import get_settings
from tests.factories import Account, assert_error
from tools.local.pump import LocalPump

HOOKS = "/api/v1/hooks"
SOURCES = "/api/v1/webhooks/sources"


# --- senders, as each outside system signs --------------------------------------------


def standard_headers(secret: str, message_id: str, body: bytes, at: float | None = None) -> dict:
    moment = time.time() if at is None else at
    signature = Webhook(secret).sign(message_id, datetime.fromtimestamp(moment, UTC), body.decode())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment)),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def github_headers(secret: str, delivery: str, event: str, body: bytes) -> dict:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "X-Hub-Signature-256": f"sha256={digest}",
        "X-GitHub-Delivery": delivery,
        "X-GitHub-Event": event,
        "content-type": "application/json",
    }


def stripe_headers(secret: str, body: bytes, at: float | None = None) -> dict:
    moment = int(time.time() if at is None else at)
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={moment},v1={digest}", "content-type": "application/json"}


def body_of(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


# --- the consumer and the bus ---------------------------------------------------------


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


def create_source(admin: Account, **body: Any) -> dict[str, Any]:
    answer = admin.client.post(SOURCES, headers=admin.headers, json={"name": "src", **body})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def events_of(admin: Account, source_id: str) -> list[dict[str, Any]]:
    answer = admin.client.get(f"{SOURCES}/{source_id}/events", headers=admin.headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


@pytest.fixture
def sender(client_at: Callable[..., TestClient]) -> TestClient:
    """An outside system, from an address of its own (no bearer credential)."""
    return client_at()


# --- accepted, stored, announced ------------------------------------------------------


def test_a_github_push_is_queued_then_stored_and_announced(
    admin: Account, sender: TestClient, pump: LocalPump, published: list
) -> None:
    source = create_source(admin, scheme="github")
    body = body_of({"ref": "refs/heads/main", "commits": [{"id": "abc"}]})

    answer = sender.post(
        f"{HOOKS}/{source['id']}",
        content=body,
        headers=github_headers(source["secret"], "delivery-1", "push", body),
    )

    assert answer.status_code == 202, answer.text
    event_id = answer.json()["id"]
    assert answer.json() == {"id": event_id}
    # Accepted means queued, not processed: nothing is stored until the consumer runs.
    assert events_of(admin, source["id"]) == []
    assert pump.drain() >= 1
    [event] = events_of(admin, source["id"])
    assert event["id"] == event_id
    assert event["type"] == "push"
    assert event["payload"] == {"ref": "refs/heads/main", "commits": [{"id": "abc"}]}
    assert event["payload_url"] is None
    assert (
        "hook.received",
        {
            "team_id": admin.team_id,
            "source_id": source["id"],
            "event_id": event_id,
            "sender_type": "push",
            "scheme": "github",
        },
    ) in published


def test_a_standard_webhooks_message_is_accepted_with_its_type(
    admin: Account, sender: TestClient, pump: LocalPump, published: list
) -> None:
    source = create_source(admin, scheme="standard-webhooks")
    assert source["secret"].startswith("whsec_")
    body = body_of({"type": "invoice.paid", "timestamp": "2026-01-01T00:00:00Z", "data": {"n": 1}})

    answer = sender.post(
        f"{HOOKS}/{source['id']}",
        content=body,
        headers=standard_headers(source["secret"], "msg_1", body),
    )

    assert answer.status_code == 202, answer.text
    pump.drain()
    [event] = events_of(admin, source["id"])
    assert (event["id"], event["type"]) == (answer.json()["id"], "invoice.paid")
    assert event["payload"]["data"] == {"n": 1}
    announced = [detail for kind, detail in published if kind == "hook.received"]
    assert [d["event_id"] for d in announced] == [event["id"]]
    assert announced[0]["scheme"] == "standard-webhooks"


def test_a_stripe_event_is_identified_by_its_id_and_type(
    admin: Account, sender: TestClient, pump: LocalPump
) -> None:
    # Stripe issues the secret; the source is created with it.
    secret = "whsec_" + "s" * 32
    source = create_source(admin, scheme="stripe", secret=secret)
    assert source["secret"] == secret
    body = body_of({"id": "evt_1", "type": "charge.succeeded", "data": {"object": {}}})

    first = sender.post(
        f"{HOOKS}/{source['id']}", content=body, headers=stripe_headers(secret, body)
    )
    again = sender.post(
        f"{HOOKS}/{source['id']}", content=body, headers=stripe_headers(secret, body)
    )

    assert first.status_code == 202, first.text
    assert again.status_code == 200
    assert again.json() == {"id": first.json()["id"], "duplicate": True}
    pump.drain()
    assert [e["type"] for e in events_of(admin, source["id"])] == ["charge.succeeded"]


@pytest.mark.parametrize("encoding", ["hex", "sha256=hex", "base64"])
def test_an_hmac_source_reads_its_named_header(
    admin: Account, sender: TestClient, encoding: str
) -> None:
    source = create_source(admin, scheme="hmac-sha256", header="X-Shop-Signature")
    body = b'{"event": "order.created"}'
    digest = hmac.new(source["secret"].encode(), body, hashlib.sha256).digest()
    value = {
        "hex": digest.hex(),
        "sha256=hex": f"sha256={digest.hex()}",
        "base64": base64.b64encode(digest).decode(),
    }[encoding]

    answer = sender.post(
        f"{HOOKS}/{source['id']}", content=body, headers={"X-Shop-Signature": value}
    )

    assert answer.status_code == 202, answer.text


def test_a_payload_too_large_for_the_queue_travels_by_reference(
    admin: Account, sender: TestClient, pump: LocalPump
) -> None:
    from shared.aws import client

    source = create_source(admin, scheme="github")
    body = body_of({"blob": "x" * 400_000})

    answer = sender.post(
        f"{HOOKS}/{source['id']}",
        content=body,
        headers=github_headers(source["secret"], "big-1", "push", body),
    )

    assert answer.status_code == 202, answer.text
    pump.drain()
    [event] = events_of(admin, source["id"])
    assert event["payload"] is None
    bucket = get_settings().artifacts_bucket
    key = urlsplit(event["payload_url"]).path.lstrip("/").removeprefix(f"{bucket}/")
    assert key == f"hooks/{admin.team_id}/{source['id']}/{event['id']}.json"
    stored = client("s3").get_object(Bucket=bucket, Key=key)
    assert stored["Body"].read() == body


def test_a_redelivered_message_is_stored_and_announced_once(
    admin: Account, published: list, lambda_context: Any
) -> None:
    from functions.hook_ingest.handler import handler

    source = create_source(admin, scheme="github")
    message = {
        "team_id": admin.team_id,
        "source_id": source["id"],
        "event_id": "01JREDELIVERED0000000000001",
        "type": "push",
        "received_at": datetime.now(UTC).isoformat(),
        "payload": '{"n": 1}',
    }
    record = {"messageId": "m", "body": json.dumps(message), "eventSource": "aws:sqs"}

    for attempt in ("m1", "m2"):
        answer = handler({"Records": [{**record, "messageId": attempt}]}, lambda_context)
        assert answer == {"batchItemFailures": []}

    assert [e["id"] for e in events_of(admin, source["id"])] == [message["event_id"]]
    assert [d["event_id"] for k, d in published if k == "hook.received"] == [message["event_id"]]


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["standard-webhooks", "github", "stripe", "hmac-sha256"])
def test_a_missing_or_wrong_signature_is_401_and_nothing_is_stored(
    admin: Account, sender: TestClient, pump: LocalPump, scheme: str
) -> None:
    source = create_source(
        admin, scheme=scheme, **({"header": "X-Sig"} if scheme == "hmac-sha256" else {})
    )
    body = body_of({"id": "evt_x", "type": "t"})
    other = "whsec_" + base64.b64encode(b"k" * 32).decode()
    wrong = {
        "standard-webhooks": standard_headers(other, "msg_x", body),
        "github": github_headers("not-the-secret", "d", "push", body),
        "stripe": stripe_headers("whsec_not-the-secret", body),
        "hmac-sha256": {"X-Sig": hmac.new(b"no", body, hashlib.sha256).hexdigest()},
    }[scheme]

    missing = sender.post(f"{HOOKS}/{source['id']}", content=body)
    wrong_answer = sender.post(f"{HOOKS}/{source['id']}", content=body, headers=wrong)

    assert_error(missing, 401)
    assert "missing" in missing.json()["detail"]
    assert_error(wrong_answer, 401)
    pump.drain()
    assert events_of(admin, source["id"]) == []


@pytest.mark.parametrize("scheme", ["standard-webhooks", "stripe"])
def test_a_stale_timestamp_is_401_with_the_reason(
    admin: Account, sender: TestClient, scheme: str
) -> None:
    source = create_source(admin, scheme=scheme)
    body = body_of({"id": "evt_old", "type": "t"})
    ten_minutes_ago = time.time() - 600
    headers = (
        standard_headers(source["secret"], "msg_old", body, at=ten_minutes_ago)
        if scheme == "standard-webhooks"
        else stripe_headers(source["secret"], body, at=ten_minutes_ago)
    )

    answer = sender.post(f"{HOOKS}/{source['id']}", content=body, headers=headers)

    assert_error(answer, 401)
    assert "stale timestamp" in answer.json()["detail"]
    assert "300 s tolerance" in answer.json()["detail"]


def test_a_replay_is_200_with_the_first_id_and_processed_once(
    admin: Account, sender: TestClient, pump: LocalPump, published: list
) -> None:
    source = create_source(admin, scheme="standard-webhooks")
    body = body_of({"type": "a.b", "data": {}})

    first = sender.post(
        f"{HOOKS}/{source['id']}",
        content=body,
        headers=standard_headers(source["secret"], "m1", body),
    )
    replay = sender.post(
        f"{HOOKS}/{source['id']}",
        content=body,
        headers=standard_headers(source["secret"], "m1", body),
    )

    assert first.status_code == 202
    assert replay.status_code == 200
    assert replay.json() == {"id": first.json()["id"], "duplicate": True}
    pump.drain()
    assert len(events_of(admin, source["id"])) == 1
    assert len([k for k, _ in published if k == "hook.received"]) == 1


def test_a_seen_message_id_with_another_body_is_409(admin: Account, sender: TestClient) -> None:
    source = create_source(admin, scheme="github")
    body, other = body_of({"n": 1}), body_of({"n": 2})

    first = sender.post(
        f"{HOOKS}/{source['id']}",
        content=body,
        headers=github_headers(source["secret"], "d1", "push", body),
    )
    clash = sender.post(
        f"{HOOKS}/{source['id']}",
        content=other,
        headers=github_headers(source["secret"], "d1", "push", other),
    )

    assert first.status_code == 202
    assert_error(clash, 409)


def test_a_body_over_1_mib_is_413(admin: Account, sender: TestClient) -> None:
    source = create_source(admin, scheme="github")
    body = b"x" * (1024 * 1024 + 1)

    answer = sender.post(
        f"{HOOKS}/{source['id']}",
        content=body,
        headers=github_headers(source["secret"], "d", "push", body),
    )

    assert_error(answer, 413)


def test_more_than_60_requests_a_minute_from_one_address_is_429(
    admin: Account, client_at: Callable[..., TestClient]
) -> None:
    source = create_source(admin, scheme="github")
    noisy, other = client_at(), client_at()
    url = f"{HOOKS}/{source['id']}"

    answers = [noisy.post(url, content=b"{}").status_code for _ in range(60)]
    limited = noisy.post(url, content=b"{}")

    assert answers == [401] * 60  # counted, though refused
    assert_error(limited, 429)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert other.post(url, content=b"{}").status_code == 401


def test_an_unknown_or_deleted_source_is_404(admin: Account, sender: TestClient) -> None:
    source = create_source(admin, scheme="github")
    body = b"{}"
    headers = github_headers(source["secret"], "d", "push", body)

    assert_error(sender.post(f"{HOOKS}/01JUNKNOWN0000000000000000", content=body), 404)
    assert (
        admin.client.delete(f"{SOURCES}/{source['id']}", headers=admin.headers).status_code == 204
    )
    assert_error(sender.post(f"{HOOKS}/{source['id']}", content=body, headers=headers), 404)
    assert_error(admin.client.get(f"{SOURCES}/{source['id']}", headers=admin.headers), 404)


def test_another_teams_source_is_404(admin: Account, new_account: Callable[..., Account]) -> None:
    source = create_source(admin, scheme="github")
    intruder = new_account()

    for method, path in (
        ("GET", f"{SOURCES}/{source['id']}"),
        ("GET", f"{SOURCES}/{source['id']}/events"),
        ("DELETE", f"{SOURCES}/{source['id']}"),
    ):
        assert_error(intruder.client.request(method, path, headers=intruder.headers), 404)
    listed = intruder.client.get(SOURCES, headers=intruder.headers).json()
    assert listed["items"] == []
    assert admin.client.get(f"{SOURCES}/{source['id']}", headers=admin.headers).status_code == 200


# --- the sources themselves -----------------------------------------------------------


def test_the_secret_is_shown_only_at_creation(admin: Account) -> None:
    source = create_source(admin, scheme="github")

    read = admin.client.get(f"{SOURCES}/{source['id']}", headers=admin.headers).json()
    listed = admin.client.get(SOURCES, headers=admin.headers).json()

    assert source["url"].endswith(f"/api/v1/hooks/{source['id']}")
    assert read == {key: value for key, value in source.items() if key != "secret"}
    assert [item["id"] for item in listed["items"]] == [source["id"]]
    assert "secret" not in listed["items"][0]


@pytest.mark.parametrize(
    "body",
    [
        {"scheme": "hmac-sha256"},  # names no header
        {"scheme": "github", "header": "X-Other"},  # github's header is fixed
        {"scheme": "standard-webhooks", "secret": "not-a-whsec-secret"},
        {"scheme": "smoke-signals"},
    ],
)
def test_a_source_that_cannot_work_is_422(admin: Account, body: dict[str, Any]) -> None:
    answer = admin.client.post(SOURCES, headers=admin.headers, json={"name": "n", **body})

    assert_error(answer, 422)


def test_a_member_reads_sources_but_cannot_create_them(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    member = new_account(invited_by=admin, role="member")

    refused = member.client.post(
        SOURCES, headers=member.headers, json={"name": "n", "scheme": "github"}
    )
    source = create_source(admin, scheme="github")

    assert_error(refused, 403)
    assert member.client.get(f"{SOURCES}/{source['id']}", headers=member.headers).status_code == 200
