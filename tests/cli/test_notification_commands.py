"""`factory notifications ...` against the fake API: what each sends (API.md's
notifications rows), what it prints, and its exit code."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.cli.fakes import FakeApi
from tests.cli.test_commands import factory

NOTE = {
    "id": "01NOTE",
    "kind": "job.failed",
    "title": "Job todo-api failed",
    "body": "The job todo-api failed in the tests phase.",
    "read": False,
    "created_at": "2026-01-01T10:00:00Z",
    "link": "/jobs/01JOB",
    "event_id": "evt-1",
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


def test_list_shows_the_inbox_newest_first_with_the_unread_count() -> None:
    read = {
        **NOTE,
        "id": "01OLD",
        "read": True,
        "kind": "approval.requested",
        "title": "Approval waiting: x",
    }
    api = FakeApi(
        routes={
            "GET /api/v1/notifications": answering(200, page(NOTE, read, cursor="next-page")),
            "GET /api/v1/notifications/unread-count": answering(200, {"count": 1}),
        }
    )

    result = factory("notifications", "list", api=api)

    assert result.code == 0, result.err
    (sent,) = api.sent("GET", "/api/v1/notifications")
    assert dict(sent.url.params) == {"limit": "20"}
    assert sent.headers["Authorization"] == "Bearer tok"
    lines = result.out.splitlines()
    assert "kind" in lines[0]
    assert "title" in lines[0]
    assert lines[1].startswith("*")
    assert "Job todo-api failed" in lines[1]
    assert not lines[2].startswith("*")
    assert "Approval waiting: x" in lines[2]
    assert "1 unread; mark them: factory notifications read-all" in result.out
    assert "factory notifications list --cursor next-page" in result.out


def test_list_unread_only_with_a_limit_and_cursor_as_json() -> None:
    api = FakeApi(
        routes={
            "GET /api/v1/notifications": answering(200, page(NOTE)),
            "GET /api/v1/notifications/unread-count": answering(200, {"count": 1}),
        }
    )

    result = factory(
        "notifications", "list", "--unread", "--limit", "5", "--cursor", "c1", "--json", api=api
    )

    assert result.code == 0, result.err
    (sent,) = api.sent("GET", "/api/v1/notifications")
    assert dict(sent.url.params) == {"limit": "5", "unread": "true", "cursor": "c1"}
    printed = json.loads(result.out)
    assert printed["items"][0]["id"] == "01NOTE"
    assert printed["unread_count"] == 1


def test_an_empty_inbox_says_so() -> None:
    api = FakeApi(
        routes={
            "GET /api/v1/notifications": answering(200, page()),
            "GET /api/v1/notifications/unread-count": answering(200, {"count": 0}),
        }
    )
    assert factory("notifications", "list", api=api).out == "no notifications yet\n"
    assert factory("notifications", "list", "--unread", api=api).out == "no unread notifications\n"


def test_read_all_marks_and_says_how_many() -> None:
    api = FakeApi(routes={"PUT /api/v1/notifications/read-all": answering(200, {"marked": 3})})

    result = factory("notifications", "read-all", api=api)

    assert result.code == 0, result.err
    assert len(api.sent("PUT", "/api/v1/notifications/read-all")) == 1
    assert result.out == "3 notification(s) marked read\n"


def test_an_api_error_is_exit_2_with_its_detail() -> None:
    api = FakeApi(
        routes={
            "PUT /api/v1/notifications/read-all": answering(
                401, {"detail": "Not authenticated", "request_id": "r-1"}
            )
        }
    )
    result = factory("notifications", "read-all", api=api)
    assert result.code == 2
    assert "Not authenticated" in result.err


def test_notifications_needs_an_action() -> None:
    result = factory("notifications")
    assert result.code == 2
    assert "required: ACTION" in result.err
    helped = factory("notifications", "--help")
    assert helped.code == 0
    assert "list" in helped.out
    assert "read-all" in helped.out
