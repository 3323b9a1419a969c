"""`factory webhooks ...` and `factory dead-letter ...` against the fake API: what each
sends (API.md's Events in and out rows), what it prints, and its exit code."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.cli.fakes import FakeApi, body_of
from tests.cli.test_commands import factory

WEBHOOK = {
    "id": "01WEBHOOK",
    "url": "https://example.com/hook",
    "events": ["job.completed", "job.failed"],
    "description": None,
    "enabled": True,
    "disabled_reason": None,
    "created_at": "2026-01-01T10:00:00Z",
    "updated_at": "2026-01-01T10:00:00Z",
}
ITEM = {
    "id": "01DEAD",
    "source": "webhook-deliveries",
    "status": "pending",
    "error": "job.completed to webhook 01WEBHOOK failed 8 attempts; the last: 500",
    "payload": {"team_id": "t", "webhook_id": "01WEBHOOK", "delivery_id": "d", "attempt": 9},
    "origin_queue": "webhook-deliveries",
    "created_at": "2026-01-01T10:00:00Z",
    "retried_at": None,
}


def answering(status: int, document: Any) -> Any:
    return lambda request: httpx.Response(status, json=document)


def page(*items: dict[str, Any], cursor: str | None = None) -> dict[str, Any]:
    return {
        "items": list(items),
        "total": len(items),
        "limit": 20,
        "offset": 0,
        "next_cursor": cursor,
    }


# --- webhooks ------------------------------------------------------------------------------


def test_webhooks_add_sends_the_url_and_the_events_and_shows_the_secret_once() -> None:
    created = {**WEBHOOK, "secret": "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}
    api = FakeApi(routes={"POST /api/v1/webhooks": answering(201, created)})

    result = factory(
        "webhooks",
        "add",
        "https://example.com/hook",
        "--events",
        "job.completed, job.failed",
        api=api,
    )

    assert result.code == 0, result.err
    (post,) = api.sent("POST", "/api/v1/webhooks")
    assert body_of(post) == {
        "url": "https://example.com/hook",
        "events": ["job.completed", "job.failed"],
        "enabled": True,
    }
    assert post.headers["Authorization"] == "Bearer tok"
    assert result.out.count(created["secret"]) == 1
    assert "shown only now" in result.out
    assert "factory webhooks test 01WEBHOOK" in result.out


def test_webhooks_add_every_event_disabled_with_a_description() -> None:
    api = FakeApi(
        routes={"POST /api/v1/webhooks": answering(201, {**WEBHOOK, "secret": "whsec_x"})}
    )

    result = factory(
        "webhooks",
        "add",
        "https://e.com",
        "--events",
        "*",
        "--description",
        "CI",
        "--disabled",
        api=api,
    )

    assert result.code == 0, result.err
    (post,) = api.sent("POST", "/api/v1/webhooks")
    assert body_of(post) == {
        "url": "https://e.com",
        "events": ["*"],
        "enabled": False,
        "description": "CI",
    }


def test_webhooks_add_needs_events_that_say_something() -> None:
    api = FakeApi()
    assert factory("webhooks", "add", "https://e.com", api=api).code == 2
    result = factory("webhooks", "add", "https://e.com", "--events", " , ", api=api)
    assert result.code == 2
    assert "--events is empty" in result.err
    assert api.requests == []


def test_webhooks_add_prints_the_apis_422_field_by_field() -> None:
    refusal = {
        "detail": [
            {
                "loc": ["body", "events", 0],
                "msg": "unknown event type 'job.done'; known: job.completed, job.failed",
            }
        ],
        "request_id": "r-422",
    }
    api = FakeApi(routes={"POST /api/v1/webhooks": answering(422, refusal)})

    result = factory("webhooks", "add", "https://e.com", "--events", "job.done", api=api)

    assert result.code == 2
    assert "events.0: unknown event type 'job.done'; known: job.completed" in result.err
    assert "request id: r-422" in result.err


def test_webhooks_list_shows_each_endpoint_and_why_one_is_disabled() -> None:
    off = {
        **WEBHOOK,
        "id": "01OFF",
        "enabled": False,
        "events": ["*"],
        "disabled_reason": "no success for 5 days",
    }
    api = FakeApi(routes={"GET /api/v1/webhooks": answering(200, page(WEBHOOK, off))})

    result = factory("webhooks", "list", api=api)

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["ID", "ON", "EVENTS", "URL"]
    assert lines[1].split() == ["01WEBHOOK", "on", "job.completed,job.failed", WEBHOOK["url"]]
    assert lines[2].split() == ["01OFF", "off", "*", WEBHOOK["url"]]
    assert "01OFF is disabled: no success for 5 days" in result.out


def test_webhooks_list_json_is_the_apis_answer() -> None:
    api = FakeApi(routes={"GET /api/v1/webhooks": answering(200, page(WEBHOOK))})

    result = factory("webhooks", "list", "--json", api=api)

    assert json.loads(result.out)["items"][0]["id"] == "01WEBHOOK"


def test_webhooks_deliveries_lists_status_attempts_and_codes() -> None:
    delivery = {
        "id": "01DELIVERY",
        "event_type": "job.completed",
        "status": "retrying",
        "attempts": 3,
        "last_response_code": 500,
        "next_attempt_at": "2026-01-01T10:35:00Z",
        "created_at": "2026-01-01T10:00:00Z",
    }
    path = "/api/v1/webhooks/01WEBHOOK/deliveries"
    api = FakeApi(routes={f"GET {path}": answering(200, page(delivery, cursor="c2"))})

    result = factory("webhooks", "deliveries", "01WEBHOOK", api=api)

    assert result.code == 0, result.err
    header, row = result.out.splitlines()[:2]
    assert header.split()[:5] == ["ID", "EVENT", "STATUS", "ATTEMPTS", "LAST"]
    assert row.split()[:6] == [
        "01DELIVERY",
        "job.completed",
        "retrying",
        "3",
        "500",
        "2026-01-01T10:35:00+00:00",
    ]
    assert "factory webhooks deliveries 01WEBHOOK --cursor c2" in result.out
    (sent,) = api.sent("GET", path)
    assert sent.url.params["limit"] == "20"


def test_webhooks_deliveries_of_another_teams_webhook_is_the_apis_404() -> None:
    result = factory("webhooks", "deliveries", "01NOPE", api=FakeApi())

    assert result.code == 2
    assert result.err.startswith("error: 404 Not Found: Not found")


def test_webhooks_test_exits_0_when_the_endpoint_accepted_it() -> None:
    outcome = {"delivery_id": "01D", "status": "succeeded", "response_code": 204, "error": None}
    api = FakeApi(routes={"POST /api/v1/webhooks/01WEBHOOK/test": answering(200, outcome)})

    result = factory("webhooks", "test", "01WEBHOOK", api=api)

    assert result.code == 0
    assert result.out.strip() == "test delivery 01D: succeeded (204)"


def test_webhooks_test_exits_1_when_the_endpoint_refused_it() -> None:
    outcome = {
        "delivery_id": "01D",
        "status": "retrying",
        "response_code": None,
        "error": "connection refused",
    }
    api = FakeApi(routes={"POST /api/v1/webhooks/01WEBHOOK/test": answering(200, outcome)})

    result = factory("webhooks", "test", "01WEBHOOK", api=api)

    assert result.code == 1
    assert result.out.strip() == "test delivery 01D: retrying (no answer): connection refused"


# --- dead letters --------------------------------------------------------------------------


def test_dead_letter_list_sends_the_filters_and_shows_the_items() -> None:
    api = FakeApi(routes={"GET /api/v1/dead-letter": answering(200, page(ITEM))})

    result = factory(
        "dead-letter", "list", "--source", "webhook-deliveries", "--status", "pending", api=api
    )

    assert result.code == 0, result.err
    (sent,) = api.sent("GET", "/api/v1/dead-letter")
    assert dict(sent.url.params) == {
        "limit": "20",
        "source": "webhook-deliveries",
        "status": "pending",
    }
    header, row = result.out.splitlines()[:2]
    assert header.split() == ["ID", "SOURCE", "STATUS", "CREATED", "ERROR"]
    assert row.split()[:3] == ["01DEAD", "webhook-deliveries", "pending"]
    assert "failed 8 attempts" in row


def test_dead_letter_list_refuses_an_unknown_source_before_asking() -> None:
    api = FakeApi()

    result = factory("dead-letter", "list", "--source", "smtp", api=api)

    assert result.code == 2
    assert "invalid choice: 'smtp'" in result.err
    assert api.requests == []


def test_dead_letter_list_empty_says_so() -> None:
    api = FakeApi(routes={"GET /api/v1/dead-letter": answering(200, page())})

    assert factory("dead-letter", "list", api=api).out == "the dead-letter queue is empty\n"


def test_dead_letter_list_as_a_member_is_the_apis_403() -> None:
    refusal = {"detail": "Admin role required", "request_id": "r-403"}
    api = FakeApi(routes={"GET /api/v1/dead-letter": answering(403, refusal)})

    result = factory("dead-letter", "list", api=api)

    assert result.code == 2
    assert "403 Forbidden: Admin role required" in result.err


def test_dead_letter_retry_posts_to_the_items_retry() -> None:
    retried = {**ITEM, "status": "retried", "retried_at": "2026-01-01T11:00:00Z"}
    api = FakeApi(routes={"POST /api/v1/dead-letter/01DEAD/retry": answering(200, retried)})

    result = factory("dead-letter", "retry", "01DEAD", api=api)

    assert result.code == 0, result.err
    assert result.out.strip() == "dead-letter item 01DEAD sent back to webhook-deliveries"
    assert len(api.sent("POST", "/api/v1/dead-letter/01DEAD/retry")) == 1


def test_dead_letter_retry_of_a_retried_item_is_the_apis_409_and_not_repeated() -> None:
    refusal = {"detail": "dead-letter item 01DEAD was retried already", "request_id": "r"}
    api = FakeApi(routes={"POST /api/v1/dead-letter/01DEAD/retry": answering(409, refusal)})

    result = factory("dead-letter", "retry", "01DEAD", api=api)

    assert result.code == 2
    assert "409 Conflict: dead-letter item 01DEAD was retried already" in result.err
    # A POST is never repeated on its own: a retry twice would send the payload twice.
    assert len(api.sent("POST", "/api/v1/dead-letter/01DEAD/retry")) == 1


def test_dead_letter_retry_all_says_how_many_and_whether_more_may_wait() -> None:
    api = FakeApi(routes={"POST /api/v1/dead-letter/retry-all": answering(200, {"queued": 5})})

    bounded = factory("dead-letter", "retry-all", "--limit", "5", "--source", "bus", api=api)
    unbounded = factory("dead-letter", "retry-all", api=api)

    assert bounded.code == 0, bounded.err
    assert bounded.out.splitlines() == [
        "5 dead-letter item(s) sent back to their queues",
        "  more may wait: run it again",
    ]
    first, second = api.sent("POST", "/api/v1/dead-letter/retry-all")
    assert dict(first.url.params) == {"limit": "5", "source": "bus"}
    assert dict(second.url.params) == {}
    assert unbounded.out == "5 dead-letter item(s) sent back to their queues\n"


def test_webhooks_add_keeps_the_endpoint_apart_from_the_apis_url() -> None:
    api = FakeApi(
        routes={"POST /api/v1/webhooks": answering(201, {**WEBHOOK, "secret": "whsec_x"})}
    )

    result = factory(
        "webhooks",
        "add",
        "https://e.com/in",
        "--events",
        "*",
        "--url",
        "http://factory.test",
        api=api,
    )

    assert result.code == 0, result.err
    (post,) = api.sent("POST", "/api/v1/webhooks")
    assert post.url.host == "factory.test"
    assert body_of(post)["url"] == "https://e.com/in"
