"""`factory tasks ...` against the fake API: what each sends (API.md's Tasks rows), what
it prints, and its exit code."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.cli.fakes import FakeApi
from tests.cli.test_commands import factory

TASK = {
    "id": "01TASK",
    "title": "Summarise",
    "description": "",
    "instructions": "Summarise the release notes",
    "priority": "high",
    "agent_id": "01AGENT",
    "board_id": None,
    "worker_id": None,
    "required_tools": ["search"],
    "status": "completed",
    "result": "Three fixes and one endpoint.",
    "tokens": None,
    "cost_usd": 0.0,
    "error": None,
    "created_by": "01USER",
    "created_at": "2027-03-25T12:00:00Z",
    "updated_at": "2027-03-25T12:00:01Z",
    "started_at": "2027-03-25T12:00:00Z",
    "completed_at": "2027-03-25T12:00:01Z",
    "deadline": None,
}


def answering(status: int, document: Any) -> Any:
    return lambda request: httpx.Response(status, json=document)


def test_add_sends_the_task_and_prints_it() -> None:
    api = FakeApi(routes={"POST /api/v1/tasks": answering(201, {**TASK, "status": "queued"})})

    result = factory(
        "tasks", "add", "Summarise", "--instructions", "Summarise the release notes",
        "--priority", "high", "--agent", "01AGENT", "--tool", "search", api=api,
    )  # fmt: skip

    assert result.code == 0, result.err
    (sent,) = api.sent("POST", "/api/v1/tasks")
    assert json.loads(sent.content) == {
        "title": "Summarise",
        "instructions": "Summarise the release notes",
        "priority": "high",
        "agent_id": "01AGENT",
        "required_tools": ["search"],
    }
    assert "task 01TASK (Summarise): queued, priority high" in result.out


def test_list_asks_for_one_status_and_prints_a_table() -> None:
    page = {"items": [TASK], "total": 1, "limit": 20, "offset": 0, "next_cursor": "c2"}
    api = FakeApi(routes={"GET /api/v1/tasks": answering(200, page)})

    result = factory("tasks", "list", "--status", "completed", api=api)

    assert result.code == 0, result.err
    (sent,) = api.sent("GET", "/api/v1/tasks")
    assert sent.url.params["status"] == "completed"
    assert "01TASK" in result.out
    assert "completed" in result.out
    assert "factory tasks list --cursor c2" in result.out


def test_show_prints_the_result_and_cancel_the_new_status() -> None:
    api = FakeApi(
        routes={
            "GET /api/v1/tasks/01TASK": answering(200, TASK),
            "POST /api/v1/tasks/01TASK/cancel": answering(
                409, {"detail": "task 01TASK is completed", "request_id": "r"}
            ),
        }
    )

    shown = factory("tasks", "show", "01TASK", api=api)
    assert shown.code == 0, shown.err
    assert "Three fixes and one endpoint." in shown.out
    assert "tokens: -, cost: $0.000000" in shown.out

    refused = factory("tasks", "cancel", "01TASK", api=api)
    assert refused.code != 0
    assert "task 01TASK is completed" in refused.err
