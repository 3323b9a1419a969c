"""The /triggers routes end to end: create, read (next fire times, the schedule in words),
replace, toggle, delete, with the trigger's EventBridge Scheduler schedule and its event
index item following in emulated AWS; a manual fire and the history; every bad input."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.settings import get_settings
from tests.factories import Account, assert_error
from tests.fake_triggers import FakeActions, fake_actions, remove_trigger_schedules

TRIGGERS = "/api/v1/triggers"
JOB = {"type": "start_job", "job": {"name": "Nightly build", "platform": "web"}}


@pytest.fixture
def actions(monkeypatch: pytest.MonkeyPatch) -> FakeActions:
    return fake_actions(monkeypatch)


@pytest.fixture
def member(new_account: Callable[..., Account]) -> Iterator[Account]:
    yield new_account()
    remove_trigger_schedules()


def create(member: Account, **body: Any) -> Any:
    payload = {
        "name": "weekday build",
        "type": "schedule",
        "config": {"cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"},
        "action": JOB,
        **body,
    }
    return member.client.post(TRIGGERS, headers=member.headers, json=payload)


def created(member: Account, **body: Any) -> dict[str, Any]:
    answer = create(member, **body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def scheduler_schedule(trigger_id: str) -> dict[str, Any] | None:
    from shared.aws import client

    try:
        return dict(
            client("scheduler").get_schedule(
                GroupName=get_settings().schedule_group_name, Name=f"trigger-{trigger_id}"
            )
        )
    except client("scheduler").exceptions.ResourceNotFoundException:
        return None


def index_items(team_id: str, event: str) -> list[dict[str, Any]]:
    from shared.aws import client

    answer = client("dynamodb").query(
        TableName=get_settings().table_name("events"),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
        ExpressionAttributeValues={
            ":pk": {"S": f"RULE#{team_id}#{event}"},
            ":sk": {"S": "TRIGGER#"},
        },
    )
    return list(answer["Items"])


def test_a_schedule_trigger_is_one_scheduler_schedule_created_paused_and_deleted_with_it(
    member: Account,
) -> None:
    trigger = created(member)
    assert trigger["type"] == "schedule"
    assert trigger["enabled"] is True
    assert trigger["overlap"] == "skip"
    assert trigger["failure_limit"] == 5
    assert trigger["schedule_description"] == "At 09:00 on Monday through Friday (Europe/Berlin)"
    assert "Europe/Berlin" in trigger["schedule_description"]
    times = [datetime.fromisoformat(t) for t in trigger["next_fire_times"]]
    assert len(times) == 5
    assert times == sorted(times)
    for moment in times:
        local = moment.astimezone(ZoneInfo("Europe/Berlin"))
        assert (local.hour, local.minute) == (9, 0)
        assert local.weekday() < 5

    schedule = scheduler_schedule(trigger["id"])
    assert schedule is not None
    assert schedule["ScheduleExpression"] == "cron(0 9 ? * MON-FRI *)"
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert schedule["State"] == "ENABLED"
    target = schedule["Target"]
    prefix = get_settings().resource_prefix
    assert target["Arn"].endswith(f":{prefix}-trigger-fires")
    assert target["DeadLetterConfig"]["Arn"].endswith(f":{prefix}-trigger-fires-dlq")
    assert target["RoleArn"] == get_settings().schedule_role_arn
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert json.loads(target["Input"]) == {
        "team_id": member.team_id,
        "trigger_id": trigger["id"],
        "scheduled_for": "<aws.scheduler.scheduled-time>",
        "reason": "schedule",
        "event": None,
    }

    url = f"{TRIGGERS}/{trigger['id']}"
    off = member.client.post(f"{url}/toggle", headers=member.headers)
    assert off.status_code == 200
    assert off.json() == {"enabled": False}
    assert scheduler_schedule(trigger["id"])["State"] == "DISABLED"  # type: ignore[index]
    shown = member.client.get(url, headers=member.headers).json()
    assert shown["enabled"] is False
    assert shown["next_fire_times"] == []
    on = member.client.post(f"{url}/toggle", headers=member.headers, json={})
    assert on.json() == {"enabled": True}
    assert scheduler_schedule(trigger["id"])["State"] == "ENABLED"  # type: ignore[index]

    replaced = member.client.put(
        url,
        headers=member.headers,
        json={
            "name": "hourly",
            "type": "schedule",
            "config": {"rate": "every 2 hours"},
            "action": JOB,
            "overlap": "queue",
        },
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["schedule_description"] == "Every 2 hours"
    gaps = {
        b - a
        for a, b in zip(
            map(datetime.fromisoformat, replaced.json()["next_fire_times"]),
            map(datetime.fromisoformat, replaced.json()["next_fire_times"][1:]),
            strict=False,
        )
    }
    assert gaps == {timedelta(hours=2)}
    assert scheduler_schedule(trigger["id"])["ScheduleExpression"] == "rate(2 hours)"  # type: ignore[index]

    listed = member.client.get(TRIGGERS, headers=member.headers).json()
    assert [item["id"] for item in listed["items"]] == [trigger["id"]]

    deleted = member.client.delete(url, headers=member.headers)
    assert deleted.status_code == 204
    assert scheduler_schedule(trigger["id"]) is None
    assert_error(member.client.get(url, headers=member.headers), 404)


def test_a_one_time_schedule_is_kept_after_it_runs(member: Account) -> None:
    at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0, tzinfo=None)
    trigger = created(member, config={"at": at.isoformat(), "timezone": "UTC"})
    fires = [datetime.fromisoformat(t) for t in trigger["next_fire_times"]]
    assert fires == [at.replace(tzinfo=UTC)]
    schedule = scheduler_schedule(trigger["id"])
    assert schedule is not None
    assert schedule["ScheduleExpression"] == f"at({at.isoformat()})"
    assert schedule["ActionAfterCompletion"] == "NONE"


def test_an_event_trigger_writes_its_index_item_with_it(member: Account) -> None:
    trigger = created(
        member,
        type="event",
        config={"event": "hook.received", "filters": {"data.sender_type": "push"}},
        action={
            "type": "start_job",
            "job": {"name": "build {{event.payload.repository.name}}", "platform": "web"},
        },
    )
    assert trigger["next_fire_times"] is None
    assert trigger["schedule_description"] is None
    assert scheduler_schedule(trigger["id"]) is None
    (item,) = index_items(member.team_id, "hook.received")
    assert item["sk"]["S"] == f"TRIGGER#{trigger['id']}"
    assert item["enabled"]["BOOL"] is True
    assert json.loads(item["filters"]["S"]) == {"data.sender_type": "push"}

    url = f"{TRIGGERS}/{trigger['id']}"
    member.client.post(f"{url}/toggle", headers=member.headers)
    (item,) = index_items(member.team_id, "hook.received")
    assert item["enabled"]["BOOL"] is False

    moved = member.client.put(
        url,
        headers=member.headers,
        json={"name": "on failure", "type": "event", "config": {"event": "job.*"}, "action": JOB},
    )
    assert moved.status_code == 200, moved.text
    assert index_items(member.team_id, "hook.received") == []
    assert len(index_items(member.team_id, "job.*")) == 1

    assert member.client.delete(url, headers=member.headers).status_code == 204
    assert index_items(member.team_id, "job.*") == []


def test_a_manual_fire_of_an_agent_answers_202_queued_naming_its_run(
    member: Account, actions: FakeActions
) -> None:
    from functions.triggers.app import app

    agent = {"type": "run_agent", "agent_id": "A1", "prompt": "summarise the day"}
    trigger = created(member, action=agent)
    answer = member.client.post(f"{TRIGGERS}/{trigger['id']}/fire", headers=member.headers)
    assert answer.status_code == 202, answer.text
    assert answer.json()["outcome"] == "queued"
    assert answer.json()["run_id"]
    assert actions.calls == []  # the model call is the queue consumer's, not the request's
    responses = app.openapi()["paths"]["/api/v1/triggers/{trigger_id}/fire"]["post"]["responses"]
    assert {"200", "202"} <= set(responses)


def test_a_manual_fire_is_recorded_in_the_history_and_published(
    member: Account, actions: FakeActions, published: list[tuple[str, dict[str, Any]]]
) -> None:
    trigger = created(member, overlap="skip")
    url = f"{TRIGGERS}/{trigger['id']}"
    first = member.client.post(f"{url}/fire", headers=member.headers)
    assert first.status_code == 200, first.text
    assert first.json()["outcome"] == "started"
    assert first.json()["job_id"] == "JOB0001"
    # A person asking for a run gets one, whatever the overlap policy.
    second = member.client.post(f"{url}/fire", headers=member.headers).json()
    assert second["outcome"] == "started"
    assert second["run_id"] != first.json()["run_id"]
    assert actions.calls[0]["owner_id"] == member.user_id
    assert actions.calls[0]["event"] is None

    history = member.client.get(f"{url}/history?limit=1", headers=member.headers)
    assert history.status_code == 200, history.text
    page = history.json()
    assert page["total"] == 2
    assert page["items"][0]["id"] == second["run_id"]
    row = page["items"][0]
    assert set(row) == {
        "id",
        "reason",
        "fired_at",
        "scheduled_for",
        "outcome",
        "job_id",
        "task_id",
        "workflow_run_id",
        "error",
    }
    assert (row["task_id"], row["workflow_run_id"]) == (None, None)
    assert row["reason"] == "manual"
    assert row["job_id"] == "JOB0002"
    assert row["error"] is None
    rest = member.client.get(
        f"{url}/history?limit=1&cursor={page['next_cursor']}", headers=member.headers
    ).json()
    assert [item["id"] for item in rest["items"]] == [first.json()["run_id"]]

    fired = [detail for kind, detail in published if kind == "trigger.fired"]
    assert [detail["run_id"] for detail in fired] == [first.json()["run_id"], second["run_id"]]
    assert fired[0] == {
        "team_id": member.team_id,
        "trigger_id": trigger["id"],
        "name": "weekday build",
        "run_id": first.json()["run_id"],
        "outcome": "started",
        "job_id": "JOB0001",
        "task_id": None,
        "workflow_run_id": None,
        "chain": 1,
    }
    shown = member.client.get(url, headers=member.headers).json()
    assert shown["last_run_id"] == second["run_id"]
    assert shown["last_job_id"] == "JOB0002"


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ({"cron": "0 9 * *"}, "Invalid cron"),
        ({"cron": "61 9 * * *"}, "Invalid cron"),
        ({"cron": "0 9 * * 1-5", "timezone": "Mars/Olympus"}, "Unknown timezone"),
        ({"at": "2020-01-01T09:00:00"}, "in the past"),
        ({"rate": "every 30 seconds"}, "at least 1 minute"),
        ({"rate": "rate(0 minutes)"}, "at least 1 minute"),
        ({"cron": "0 9 * * *", "rate": "every 5 minutes"}, "exactly one of cron, rate or at"),
    ],
)
def test_a_bad_schedule_is_422_with_the_reason(
    member: Account, config: dict[str, Any], reason: str
) -> None:
    answer = create(member, config=config)
    assert_error(answer, 422)
    assert reason in answer.json()["detail"]


def test_a_template_is_checked_at_creation(member: Account) -> None:
    unknown = create(
        member,
        type="event",
        config={"event": "job.failed"},
        action={"type": "run_agent", "agent_id": "A1", "prompt": "why? {{event.data.nope}}"},
    )
    assert_error(unknown, 422)
    assert "event.data.nope" in unknown.json()["detail"]
    # A schedule has no event to read from.
    scheduled = create(
        member,
        action={"type": "run_agent", "agent_id": "A1", "prompt": "{{event.data.job_id}}"},
    )
    assert_error(scheduled, 422)
    assert "no event" in scheduled.json()["detail"]
    # An unknown event type, and a filter on a field its events do not have.
    assert_error(create(member, type="event", config={"event": "job.exploded"}, action=JOB), 422)
    assert_error(
        create(
            member,
            type="event",
            config={"event": "job.failed", "filters": {"data.nope": 1}},
            action=JOB,
        ),
        422,
    )
    # A known field is fine.
    ok = create(
        member,
        type="event",
        config={"event": "job.failed"},
        action={"type": "run_agent", "agent_id": "A1", "prompt": "why? {{event.data.message}}"},
    )
    assert ok.status_code == 201, ok.text


def test_the_shapes_of_body_and_config_are_checked(member: Account) -> None:
    # A schedule's config on an event trigger and the reverse.
    assert_error(create(member, type="event"), 422)
    assert_error(create(member, config={"event": "job.failed"}), 422)
    assert_error(create(member, action={"type": "explode"}), 422)
    assert_error(create(member, overlap="sometimes"), 422)
    assert_error(create(member, failure_limit=0), 422)
    assert_error(create(member, failure_limit=True), 422)


def test_another_teams_trigger_is_404(
    member: Account, new_account: Callable[..., Account], actions: FakeActions
) -> None:
    trigger = created(member)
    other = new_account()
    url = f"{TRIGGERS}/{trigger['id']}"
    body = {"name": "x", "type": "schedule", "config": {"rate": "every hour"}, "action": JOB}
    for answer in (
        other.client.get(url, headers=other.headers),
        other.client.put(url, headers=other.headers, json=body),
        other.client.delete(url, headers=other.headers),
        other.client.post(f"{url}/toggle", headers=other.headers),
        other.client.post(f"{url}/fire", headers=other.headers),
        other.client.get(f"{url}/history", headers=other.headers),
    ):
        assert_error(answer, 404)
    assert other.client.get(TRIGGERS, headers=other.headers).json()["items"] == []
    assert actions.calls == []
    # Still there, untouched, with its schedule.
    assert member.client.get(url, headers=member.headers).json()["enabled"] is True
    assert scheduler_schedule(trigger["id"])["State"] == "ENABLED"  # type: ignore[index]


def test_a_fire_that_cannot_run_now_is_503_and_the_route_says_so(
    member: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.triggers.app import app
    from shared.errors import ServiceUnavailable
    from shared.triggers import runner

    trigger = created(member)

    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise ServiceUnavailable("the pipeline could not be started; retry shortly")

    monkeypatch.setattr(runner, "_run_action", lambda: unavailable)
    url = f"{TRIGGERS}/{trigger['id']}"
    answer = member.client.post(f"{url}/fire", headers=member.headers)
    assert_error(answer, 503)
    assert member.client.get(f"{url}/history", headers=member.headers).json()["items"] == []
    # Every status the fire answers is in its document: 503 here, 409 when the trigger
    # kept changing while its run was recorded.
    responses = app.openapi()["paths"]["/api/v1/triggers/{trigger_id}/fire"]["post"]["responses"]
    assert {"404", "409", "503"} <= set(responses)
