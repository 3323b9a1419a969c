"""`factory triggers ...` against the fake API: what each sends (API.md's Triggers rows),
what it prints, and its exit code."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.cli.fakes import FakeApi
from tests.cli.test_commands import factory

TRIGGER = {
    "id": "01TRIG",
    "name": "weekday build",
    "type": "schedule",
    "enabled": True,
    "overlap": "skip",
    "config": {"cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"},
    "action": {"type": "start_job", "job": {"name": "Nightly", "platform": "web"}},
    "schedule_description": "At 09:00 on Monday through Friday (Europe/Berlin)",
    "next_fire_times": ["2027-03-26T08:00:00Z", "2027-03-29T07:00:00Z"],
    "paused_reason": None,
    "created_at": "2027-03-25T12:00:00Z",
    "updated_at": "2027-03-25T12:00:00Z",
}
RUN = {
    "id": "01RUN",
    "reason": "schedule",
    "fired_at": "2027-03-26T08:00:01Z",
    "scheduled_for": "2027-03-26T08:00:00Z",
    "outcome": "started",
    "job_id": "01JOB",
    "error": None,
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


def test_add_schedule_sends_the_trigger_and_prints_its_next_fires() -> None:
    api = FakeApi(routes={"POST /api/v1/triggers": answering(201, TRIGGER)})

    result = factory(
        "triggers", "add-schedule", "--name", "weekday build", "--cron", "0 9 * * 1-5",
        "--timezone", "Europe/Berlin", "--job", "Nightly", "--features", "notes,tags",
        api=api,
    )  # fmt: skip

    assert result.code == 0, result.err
    (sent,) = api.sent("POST", "/api/v1/triggers")
    assert json.loads(sent.content) == {
        "name": "weekday build",
        "type": "schedule",
        "config": {"cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"},
        "action": {
            "type": "start_job",
            "job": {"name": "Nightly", "platform": "web", "features": "notes,tags"},
        },
        "overlap": "skip",
    }
    assert "trigger 01TRIG (weekday build) created" in result.out
    assert "At 09:00 on Monday through Friday (Europe/Berlin)" in result.out
    assert "next: 2027-03-26T08:00:00+00:00" in result.out


def test_add_on_event_sends_the_pattern_with_typed_filters() -> None:
    answer = {**TRIGGER, "type": "event", "schedule_description": None, "next_fire_times": None}
    api = FakeApi(routes={"POST /api/v1/triggers": answering(201, answer)})

    result = factory(
        "triggers", "add-on-event", "hook.received", "--name", "on push",
        "--filter", "data.sender_type=push", "--filter", "data.attempts=3",
        "--agent", "01AGENT", "--prompt", "summarise {{event.payload.head_commit.message}}",
        "--overlap", "allow", api=api,
    )  # fmt: skip

    assert result.code == 0, result.err
    (sent,) = api.sent("POST", "/api/v1/triggers")
    body = json.loads(sent.content)
    assert body["type"] == "event"
    assert body["config"] == {
        "event": "hook.received",
        "filters": {"data.sender_type": "push", "data.attempts": 3},
    }
    assert body["action"] == {
        "type": "run_agent",
        "agent_id": "01AGENT",
        "prompt": "summarise {{event.payload.head_commit.message}}",
    }
    assert body["overlap"] == "allow"


def test_an_action_must_be_named_once() -> None:
    api = FakeApi()
    neither = factory("triggers", "add-schedule", "--name", "x", "--rate", "every hour", api=api)
    both = factory(
        "triggers", "add-schedule", "--name", "x", "--rate", "every hour", "--job", "J",
        "--webhook", "01HOOK", api=api,
    )  # fmt: skip
    no_schedule = factory("triggers", "add-schedule", "--name", "x", "--job", "J", api=api)
    assert neither.code == 2
    assert "give one action" in neither.err
    assert both.code == 2
    assert no_schedule.code == 2
    assert "--cron, --rate or --at" in no_schedule.err
    assert api.sent("POST", "/api/v1/triggers") == []


def test_list_fire_history_and_toggle() -> None:
    paused = {**TRIGGER, "id": "01OFF", "enabled": False, "paused_reason": "5 failed runs"}
    api = FakeApi(
        routes={
            "GET /api/v1/triggers": answering(200, page(TRIGGER, paused, cursor="c2")),
            "POST /api/v1/triggers/01TRIG/fire": answering(
                200, {"run_id": "01RUN", "outcome": "started", "job_id": "01JOB"}
            ),
            "GET /api/v1/triggers/01TRIG/history": answering(200, page(RUN)),
            "POST /api/v1/triggers/01OFF/toggle": answering(200, {"enabled": True}),
        }
    )

    listed = factory("triggers", "list", api=api)
    assert listed.code == 0, listed.err
    lines = listed.out.splitlines()
    assert "01TRIG" in lines[1]
    assert " on " in lines[1]
    assert "paused" in lines[2]
    assert "factory triggers list --cursor c2" in listed.out

    fired = factory("triggers", "fire", "01TRIG", api=api)
    assert fired.code == 0, fired.err
    assert fired.out.strip() == "run 01RUN: started, job 01JOB"

    runs = factory("triggers", "history", "01TRIG", "--limit", "5", api=api)
    assert runs.code == 0, runs.err
    (sent,) = api.sent("GET", "/api/v1/triggers/01TRIG/history")
    assert dict(sent.url.params) == {"limit": "5"}
    assert "started" in runs.out
    assert "01JOB" in runs.out

    toggled = factory("triggers", "toggle", "01OFF", "--replay-missed", api=api)
    assert toggled.code == 0, toggled.err
    (sent,) = api.sent("POST", "/api/v1/triggers/01OFF/toggle")
    assert json.loads(sent.content) == {"replay_missed": True}
    assert toggled.out.strip() == "trigger 01OFF is on"


def test_a_failed_fire_exits_1() -> None:
    api = FakeApi(
        routes={
            "POST /api/v1/triggers/01TRIG/fire": answering(
                200, {"run_id": "01RUN", "outcome": "failed", "job_id": None}
            )
        }
    )
    result = factory("triggers", "fire", "01TRIG", api=api)
    assert result.code == 1
    assert "failed" in result.out
