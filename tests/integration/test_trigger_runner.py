"""Trigger fires through the local runtime: the Scheduler's schedule fired by the pump on a
driven clock (DST included), the trigger_runner consumer running each fire at most once,
the overlap policies, the pause after failures in a row, replaying missed fires."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from functions.triggers import service
from shared import queues
from shared.aws import client
from shared.pagination import PageParams
from shared.settings import get_settings
from shared.triggers import runner, store
from shared.triggers.actions import ActionResult
from shared.triggers.domain import FireRequest, Trigger
from tests.fake_triggers import FakeActions, fake_actions, remove_trigger_schedules

JOB = {"type": "start_job", "job": {"name": "Nightly build", "platform": "web"}}
WEEKDAYS_9_BERLIN = {"cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"}


@pytest.fixture
def actions(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeActions]:
    yield fake_actions(monkeypatch)
    remove_trigger_schedules()


_teams = iter(range(10_000))


def make_trigger(**fields: Any) -> Trigger:
    arguments: dict[str, Any] = {
        "name": "weekday build",
        "kind": "schedule",
        "config": WEEKDAYS_9_BERLIN,
        "action": JOB,
        "overlap": "skip",
        "enabled": True,
        "failure_limit": 5,
        **fields,
    }
    from pydantic import TypeAdapter

    from shared.triggers.domain import TriggerAction

    arguments["action"] = TypeAdapter(TriggerAction).validate_python(arguments["action"])
    return service.create_trigger(f"TEAM{next(_teams):05d}", "USER1", **arguments)


def runs(trigger: Trigger) -> list[Any]:
    items, _, _ = store.list_runs(trigger.id, PageParams(limit=100))
    return list(reversed(items))  # oldest first


def schedule_state(trigger: Trigger) -> str:
    answer = client("scheduler").get_schedule(
        GroupName=get_settings().schedule_group_name, Name=f"trigger-{trigger.id}"
    )
    return str(answer["State"])


def fire_message(trigger: Trigger, at: datetime, **fields: Any) -> dict[str, Any]:
    return FireRequest(
        team_id=trigger.team_id,
        trigger_id=trigger.id,
        scheduled_for=at,
        reason=fields.pop("reason", "schedule"),
        **fields,
    ).model_dump(mode="json")


@pytest.fixture
def clock() -> Iterator[Any]:
    # Thursday 2027-03-25, three days before Berlin's clocks go forward (Sunday the 28th).
    with time_machine.travel(datetime(2027, 3, 25, 12, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def test_the_pump_fires_a_weekday_9_berlin_trigger_across_the_dst_change(
    aws: None, pump: Any, clock: Any, actions: FakeActions
) -> None:
    trigger = make_trigger(overlap="allow")
    assert [t.isoformat() for t in service.schedule_view(trigger)[1] or []] == [
        "2027-03-26T08:00:00+00:00",  # Friday, 09:00 CET
        "2027-03-29T07:00:00+00:00",  # Monday, 09:00 CEST
        "2027-03-30T07:00:00+00:00",
        "2027-03-31T07:00:00+00:00",
        "2027-04-01T07:00:00+00:00",
    ]
    clock.move_to(datetime(2027, 3, 26, 7, 59, 59, tzinfo=UTC))
    pump.drain()
    assert actions.calls == []

    clock.move_to(datetime(2027, 3, 26, 8, 0, 0, tzinfo=UTC))
    pump.drain()
    pump.drain()
    assert [run.scheduled_for for run in runs(trigger)] == [datetime(2027, 3, 26, 8, tzinfo=UTC)]

    # The weekend passes (nothing on Saturday and Sunday), then Monday and Tuesday at 09:00
    # summer time, each once however often the pump looks.
    clock.move_to(datetime(2027, 3, 30, 7, 0, 30, tzinfo=UTC))
    pump.drain()
    pump.drain()
    recorded = runs(trigger)
    assert [run.scheduled_for for run in recorded] == [
        datetime(2027, 3, 26, 8, tzinfo=UTC),
        datetime(2027, 3, 29, 7, tzinfo=UTC),
        datetime(2027, 3, 30, 7, tzinfo=UTC),
    ]
    assert [run.outcome for run in recorded] == ["started"] * 3
    assert [run.job_id for run in recorded] == ["JOB0001", "JOB0002", "JOB0003"]
    assert all(run.reason == "schedule" for run in recorded)
    assert [call["owner_id"] for call in actions.calls] == ["USER1"] * 3


def test_a_one_time_trigger_fires_once_at_its_time(
    aws: None, pump: Any, clock: Any, actions: FakeActions
) -> None:
    trigger = make_trigger(config={"at": "2027-03-25T14:30:00", "timezone": "Europe/Berlin"})
    clock.move_to(datetime(2027, 3, 25, 13, 29, tzinfo=UTC))
    pump.drain()
    assert actions.calls == []
    clock.move_to(datetime(2027, 3, 25, 13, 30, 5, tzinfo=UTC))
    pump.drain()
    clock.move_to(datetime(2027, 3, 26, 13, 30, 5, tzinfo=UTC))
    pump.drain()
    assert [run.scheduled_for for run in runs(trigger)] == [
        datetime(2027, 3, 25, 13, 30, tzinfo=UTC)
    ]


def test_a_fire_delivered_twice_runs_once(
    aws: None, pump: Any, clock: Any, actions: FakeActions
) -> None:
    trigger = make_trigger(overlap="allow")
    at = datetime(2027, 3, 26, 8, tzinfo=UTC)
    # The Scheduler delivering one fire twice: two messages with the same body.
    queues.send("trigger-fires", fire_message(trigger, at))
    queues.send("trigger-fires", fire_message(trigger, at))
    pump.drain()
    # And a run asked for again past the consumer's own idempotency (a queued copy): the
    # fire's claim still holds.
    again = runner.fire(FireRequest.model_validate(fire_message(trigger, at, queued=3)))
    (run,) = runs(trigger)
    assert again == run
    assert len(actions.calls) == 1
    # Another time is another fire.
    queues.send("trigger-fires", fire_message(trigger, at + timedelta(days=3)))
    pump.drain()
    assert len(runs(trigger)) == 2


def test_an_action_that_raises_releases_its_claim_for_the_retry(
    aws: None, clock: Any, actions: FakeActions, monkeypatch: pytest.MonkeyPatch
) -> None:
    trigger = make_trigger()
    request = FireRequest.model_validate(
        fire_message(trigger, datetime(2027, 3, 26, 8, tzinfo=UTC))
    )

    def unavailable(*args: Any, **kwargs: Any) -> ActionResult:
        raise RuntimeError("storage unavailable")

    monkeypatch.setattr(runner, "_run_action", lambda: unavailable)
    with pytest.raises(RuntimeError):
        runner.fire(request)
    assert runs(trigger) == []
    monkeypatch.setattr(runner, "_run_action", lambda: actions.run_action)
    run = runner.fire(request)
    assert run is not None
    assert run.outcome == "started"


def test_overlap_skip_records_a_skipped_run_while_the_job_goes_on(
    aws: None, clock: Any, actions: FakeActions, published: list[tuple[str, dict[str, Any]]]
) -> None:
    trigger = make_trigger(overlap="skip")
    first = runner.fire(FireRequest.model_validate(fire_message(trigger, clock_now())))
    assert first is not None
    assert first.outcome == "started"
    second = runner.fire(
        FireRequest.model_validate(fire_message(trigger, clock_now() + timedelta(days=1)))
    )
    assert second is not None
    assert second.outcome == "skipped"
    assert second.error is not None
    assert "still going" in second.error
    assert len(actions.calls) == 1
    actions.running.clear()  # the job ended
    third = runner.fire(
        FireRequest.model_validate(fire_message(trigger, clock_now() + timedelta(days=2)))
    )
    assert third is not None
    assert third.outcome == "started"
    outcomes = [d["outcome"] for kind, d in published if kind == "trigger.fired"]
    assert outcomes == ["started", "skipped", "started"]
    # Skips are the policy at work, not failures.
    assert store.get_trigger(trigger.team_id, trigger.id).consecutive_failures == 0  # type: ignore[union-attr]


def test_overlap_allow_runs_beside_the_previous_job(
    aws: None, clock: Any, actions: FakeActions
) -> None:
    trigger = make_trigger(overlap="allow")
    for day in range(2):
        runner.fire(
            FireRequest.model_validate(fire_message(trigger, clock_now() + timedelta(days=day)))
        )
    assert [run.outcome for run in runs(trigger)] == ["started", "started"]


def test_overlap_queue_waits_for_the_previous_job_then_runs(
    aws: None, pump: Any, clock: Any, actions: FakeActions
) -> None:
    trigger = make_trigger(overlap="queue")
    at = clock_now()
    runner.fire(FireRequest.model_validate(fire_message(trigger, at)))
    later = at + timedelta(days=1)
    queues.send("trigger-fires", fire_message(trigger, later))
    pump.drain()
    assert len(runs(trigger)) == 1  # waiting, not skipped
    clock.shift(timedelta(seconds=61))
    pump.drain()  # still going: back on the queue
    assert len(runs(trigger)) == 1
    actions.running.clear()
    clock.shift(timedelta(seconds=61))
    pump.drain()
    _, second = runs(trigger)
    assert second.outcome == "started"
    assert second.reason == "queued"
    assert second.scheduled_for == later
    assert len(actions.calls) == 2


def test_failures_in_a_row_pause_the_trigger_and_its_schedule(
    aws: None,
    pump: Any,
    clock: Any,
    actions: FakeActions,
    published: list[tuple[str, dict[str, Any]]],
) -> None:
    trigger = make_trigger(failure_limit=3, overlap="allow")
    actions.fail = "agent 01J... not found"
    for day in range(2):
        runner.fire(
            FireRequest.model_validate(fire_message(trigger, clock_now() + timedelta(days=day)))
        )
    actions.fail = None  # a success starts the count again
    runner.fire(FireRequest.model_validate(fire_message(trigger, clock_now() + timedelta(days=2))))
    actions.fail = "agent 01J... not found"
    for day in range(3, 5):
        runner.fire(
            FireRequest.model_validate(fire_message(trigger, clock_now() + timedelta(days=day)))
        )
    assert store.get_trigger(trigger.team_id, trigger.id).enabled is True  # type: ignore[union-attr]
    runner.fire(FireRequest.model_validate(fire_message(trigger, clock_now() + timedelta(days=5))))

    paused = store.get_trigger(trigger.team_id, trigger.id)
    assert paused is not None
    assert paused.enabled is False
    assert paused.consecutive_failures == 3
    assert paused.paused_reason is not None
    assert "3 failed runs in a row" in paused.paused_reason
    assert schedule_state(trigger) == "DISABLED"
    (notice,) = [d for kind, d in published if kind == "trigger.paused"]
    assert notice == {
        "team_id": trigger.team_id,
        "trigger_id": trigger.id,
        "name": "weekday build",
        "failures": 3,
        "error": "agent 01J... not found",
    }
    # A fire already in flight when it paused is not run.
    queues.send("trigger-fires", fire_message(trigger, clock_now() + timedelta(days=6)))
    pump.drain()
    assert len(runs(trigger)) == 6
    assert len(actions.calls) == 6


def test_missed_fires_are_replayed_only_when_asked(
    aws: None, pump: Any, clock: Any, actions: FakeActions
) -> None:
    quiet = make_trigger(overlap="allow")
    replayed = make_trigger(overlap="allow")
    for trigger in (quiet, replayed):
        service.toggle_trigger(trigger.team_id, trigger.id)
    # Off through Friday and Monday 09:00 (Berlin).
    clock.move_to(datetime(2027, 3, 29, 12, 0, tzinfo=UTC))
    pump.drain()
    assert actions.calls == []
    service.toggle_trigger(quiet.team_id, quiet.id)
    service.toggle_trigger(replayed.team_id, replayed.id, replay_missed=True)
    pump.drain()
    assert runs(quiet) == []
    missed = runs(replayed)
    assert [run.scheduled_for for run in missed] == [
        datetime(2027, 3, 26, 8, tzinfo=UTC),
        datetime(2027, 3, 29, 7, tzinfo=UTC),
    ]
    assert {run.reason for run in missed} == {"replay"}
    # Enabled again: the schedule runs on from now, not from before.
    assert schedule_state(quiet) == "ENABLED"
    clock.move_to(datetime(2027, 3, 30, 7, 0, 1, tzinfo=UTC))
    pump.drain()
    assert [run.scheduled_for for run in runs(quiet)] == [datetime(2027, 3, 30, 7, tzinfo=UTC)]


def test_the_consumer_refuses_a_failed_fire_for_redelivery(
    aws: None,
    clock: Any,
    actions: FakeActions,
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: Any,
) -> None:
    from functions.trigger_runner.service import handle_batch

    trigger = make_trigger()

    def unavailable(*args: Any, **kwargs: Any) -> ActionResult:
        raise RuntimeError("storage unavailable")

    monkeypatch.setattr(runner, "_run_action", lambda: unavailable)
    record = {
        "messageId": "m-1",
        "receiptHandle": "r",
        "body": json.dumps(fire_message(trigger, clock_now())),
        "attributes": {},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:trigger-fires",
        "awsRegion": "us-east-1",
    }
    # A batch whose every record failed is refused whole (Powertools), so SQS delivers it
    # again; the fire's claim was given back, so that delivery can run it.
    with pytest.raises(BatchProcessingError):
        handle_batch({"Records": [record]}, lambda_context)
    assert runs(trigger) == []
    monkeypatch.setattr(runner, "_run_action", lambda: actions.run_action)
    assert handle_batch({"Records": [record]}, lambda_context) == {"batchItemFailures": []}
    assert [run.outcome for run in runs(trigger)] == ["started"]


def clock_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_a_run_fired_by_a_trigger_event_says_how_deep_its_chain_is(
    aws: None, clock: Any, actions: FakeActions, published: Any
) -> None:
    """trigger.fired carries `chain`: the matcher stops a cycle of triggers at its limit."""
    trigger = make_trigger(kind="event", config={"event": "trigger.fired"}, overlap="allow")
    upstream = {"id": "E1", "type": "trigger.fired", "data": {"trigger_id": "T0", "chain": 3}}
    other = {"id": "E2", "type": "job.failed", "data": {"job_id": "J1"}}
    for event in (upstream, other):
        message = fire_message(trigger, clock_now(), reason="event", event=event)
        runner.fire(FireRequest.model_validate(message))
    chains = [d["chain"] for kind, d in published if kind == "trigger.fired"]
    assert chains == [4, 1]


def test_replayed_fires_of_a_trigger_turned_off_again_are_not_run(
    aws: None, pump: Any, clock: Any, actions: FakeActions
) -> None:
    trigger = make_trigger(overlap="allow")
    service.toggle_trigger(trigger.team_id, trigger.id)
    clock.move_to(datetime(2027, 3, 29, 12, 0, tzinfo=UTC))
    pump.drain()
    # On with its missed fires asked for, then off again before they are received.
    service.toggle_trigger(trigger.team_id, trigger.id, replay_missed=True)
    service.toggle_trigger(trigger.team_id, trigger.id)
    pump.drain()
    assert runs(trigger) == []
    assert actions.calls == []


def test_a_pause_is_announced_even_when_its_schedule_cannot_be_disabled_now(
    aws: None,
    clock: Any,
    actions: FakeActions,
    published: list[tuple[str, dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from contextlib import suppress

    from shared.errors import ServiceUnavailable
    from shared.triggers import scheduler

    trigger = make_trigger(failure_limit=1, overlap="allow")
    actions.fail = "agent 01J... not found"

    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise ServiceUnavailable("The trigger's schedule could not be written")

    monkeypatch.setattr(scheduler, "put_schedule", unavailable)
    request = FireRequest.model_validate(fire_message(trigger, clock_now()))
    with suppress(ServiceUnavailable):
        runner.fire(request)
    runner.fire(request)  # SQS delivering the message again, if the first receive failed

    assert store.get_trigger(trigger.team_id, trigger.id).enabled is False  # type: ignore[union-attr]
    assert [d["trigger_id"] for kind, d in published if kind == "trigger.paused"] == [trigger.id]
    assert len(actions.calls) == 1


def fail_the_next_schedule_delete(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Scheduler refuses the next schedule delete, then works again."""
    from shared.errors import ServiceUnavailable
    from shared.triggers import scheduler

    delete_schedule = scheduler.delete_schedule
    failed: list[str] = []

    def fails_once(trigger_id: str) -> None:
        if not failed:
            failed.append(trigger_id)
            raise ServiceUnavailable("The trigger's schedule could not be deleted")
        delete_schedule(trigger_id)

    monkeypatch.setattr(scheduler, "delete_schedule", fails_once)


def assert_its_next_fire_only_deletes_the_schedule(
    trigger: Trigger, clock: Any, pump: Any, actions: FakeActions
) -> None:
    clock.move_to(datetime(2027, 3, 26, 8, 0, 0, tzinfo=UTC))  # Friday 09:00 in Berlin
    pump.drain()
    listed = client("scheduler").list_schedules(
        GroupName=get_settings().schedule_group_name, NamePrefix=f"trigger-{trigger.id}"
    )
    assert listed["Schedules"] == []
    assert actions.calls == []
    assert runs(trigger) == []


def test_a_schedule_left_behind_by_a_failed_delete_goes_at_its_next_fire(
    aws: None, pump: Any, clock: Any, actions: FakeActions, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.errors import ServiceUnavailable

    trigger = make_trigger(overlap="allow")
    fail_the_next_schedule_delete(monkeypatch)
    with pytest.raises(ServiceUnavailable):
        service.delete_trigger(trigger.team_id, trigger.id)
    # The trigger is gone (a second DELETE is a 404), its schedule is not.
    assert store.get_trigger(trigger.team_id, trigger.id) is None
    assert schedule_state(trigger) == "ENABLED"

    assert_its_next_fire_only_deletes_the_schedule(trigger, clock, pump, actions)


def test_a_schedule_left_behind_by_a_trigger_made_an_event_trigger_runs_nothing(
    aws: None, pump: Any, clock: Any, actions: FakeActions, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydantic import TypeAdapter

    from shared.errors import ServiceUnavailable
    from shared.triggers.domain import TriggerAction

    trigger = make_trigger(overlap="allow")
    fail_the_next_schedule_delete(monkeypatch)
    with pytest.raises(ServiceUnavailable):
        service.replace_trigger(
            trigger.team_id,
            trigger.id,
            name="on failure",
            kind="event",
            config={"event": "job.failed"},
            action=TypeAdapter(TriggerAction).validate_python(JOB),
            overlap="allow",
            enabled=True,
            failure_limit=5,
        )
    assert schedule_state(trigger) == "ENABLED"

    assert_its_next_fire_only_deletes_the_schedule(trigger, clock, pump, actions)


def test_a_trigger_running_away_is_paused_and_counts_afresh_when_turned_on(
    aws: None,
    clock: Any,
    actions: FakeActions,
    published: list[tuple[str, dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More runs within an hour than any schedule makes pause the trigger: a job-starting
    trigger on job.* with overlap allow would otherwise start jobs for ever."""
    monkeypatch.setattr(runner, "MAX_RUNS_PER_HOUR", 3)
    trigger = make_trigger(kind="event", config={"event": "job.*"}, overlap="allow")

    def fire_on(event_id: str) -> Any:
        event = {"id": event_id, "type": "job.created", "data": {"job_id": event_id}}
        message = fire_message(trigger, clock_now(), reason="event", event=event)
        return runner.fire(FireRequest.model_validate(message))

    for number in range(3):
        fire_on(f"E{number}")
    # An hour later the count starts again: three more within that hour are allowed.
    clock.shift(timedelta(minutes=61))
    for number in range(3, 6):
        fire_on(f"E{number}")
    assert store.get_trigger(trigger.team_id, trigger.id).enabled is True  # type: ignore[union-attr]

    fire_on("E6")  # the fourth within the hour

    paused = store.get_trigger(trigger.team_id, trigger.id)
    assert paused is not None
    assert paused.enabled is False
    assert paused.paused_reason is not None
    assert "4 runs within an hour" in paused.paused_reason
    (notice,) = [d for kind, d in published if kind == "trigger.paused"]
    assert notice["error"] == paused.paused_reason
    assert fire_on("E7") is None  # off: dropped
    assert len(actions.calls) == 7

    service.toggle_trigger(trigger.team_id, trigger.id)  # on again, within the same hour
    assert fire_on("E8") is not None
    assert store.get_trigger(trigger.team_id, trigger.id).enabled is True  # type: ignore[union-attr]


def test_a_manual_fire_of_an_agent_is_queued_and_runs_as_the_run_it_named(
    aws: None, pump: Any, actions: FakeActions
) -> None:
    # A model call may outlast an API answer (29 s): the fire is queued, the answer names
    # its run, and the consumer makes that run, the caller's, whatever the overlap policy.
    trigger = make_trigger(
        action={"type": "run_agent", "agent_id": "A1", "prompt": "summarise the day"},
        overlap="skip",
    )
    run, run_id = service.fire_now(trigger.team_id, trigger.id, "USER2")
    assert run is None
    assert runs(trigger) == []
    pump.drain()
    [made] = runs(trigger)
    assert (made.id, made.reason, made.outcome) == (run_id, "manual", "started")
    assert actions.calls[0]["owner_id"] == "USER2"
    # A redelivery of that message makes no second run.
    queues.send(
        "trigger-fires",
        FireRequest(
            team_id=trigger.team_id,
            trigger_id=trigger.id,
            scheduled_for=made.scheduled_for,
            reason="manual",
            fire_id=run_id,
            owner_id="USER2",
        ).model_dump(mode="json"),
    )
    pump.drain()
    assert [r.id for r in runs(trigger)] == [run_id]


def test_a_manual_fire_of_anything_else_runs_in_the_request(
    aws: None, actions: FakeActions
) -> None:
    trigger = make_trigger()
    run, run_id = service.fire_now(trigger.team_id, trigger.id, "USER2")
    assert run is not None
    assert run.id == run_id
    assert [r.id for r in runs(trigger)] == [run_id]
