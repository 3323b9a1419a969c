"""Triggers for their team: create, read (with the next fire times and the schedule in
words), replace, delete, turn on and off (replaying missed fires only when asked), the
history, and a fire run now. Firing itself is shared.triggers.runner's.

Checked at creation, not at fire time: a schedule's cron, rate, at, timezone and bounds
(shared.triggers.schedule), an event pattern against the catalog
(shared.event_rules.patterns), every `{{event...}}` placeholder of the action against
the event type's fields (a schedule has no event: none allowed), and a run_workflow
action's workflow (the team's, else 404; its steps are checked when it runs).

A schedule trigger's EventBridge Scheduler schedule is written after the trigger's item
(shared.triggers.scheduler); a new trigger whose schedule cannot be written is taken back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from shared import queues
from shared.db.versioned import update_versioned
from shared.errors import NotFound, Unprocessable
from shared.event_rules.patterns import EventPattern, check_pattern
from shared.event_rules.templates import check_template
from shared.ids import new_id, utcnow
from shared.pagination import PageParams
from shared.triggers import runner, scheduler, store
from shared.triggers.domain import (
    FireRequest,
    Overlap,
    RunWorkflowAction,
    Trigger,
    TriggerAction,
    TriggerRun,
    TriggerType,
)
from shared.triggers.schedule import Schedule, next_fire_times, parse_schedule, validate_schedule

NEXT_FIRES: Final = 5
MAX_REPLAY: Final = 100
_ACTION: TypeAdapter[TriggerAction] = TypeAdapter(TriggerAction)


def _checked(
    team_id: str,
    kind: TriggerType,
    config: dict[str, Any],
    action: TriggerAction,
    now: datetime,
) -> tuple[dict[str, Any], Schedule | None]:
    """The config as stored and, for a schedule, what it is; 422 with the reason, 404 for
    a workflow the team does not have."""
    if isinstance(action, RunWorkflowAction):
        from shared.workflows.service import get_workflow

        get_workflow(team_id, action.workflow_id)
    template = _ACTION.dump_python(action, mode="json", exclude={"type"})
    if kind == "schedule":
        config = {key: value for key, value in config.items() if value is not None}
        schedule = validate_schedule(config, now)
        check_template(template, None)
        return config, schedule
    try:
        pattern = check_pattern(EventPattern.model_validate(config))
    except ValidationError:
        raise Unprocessable(
            "an event trigger's config is {event, filters?}: an event type, a prefix such as"
            ' "job.*" or "*", and optional filters'
        ) from None
    check_template(template, pattern.event)
    return pattern.model_dump(mode="json"), None


def create_trigger(
    team_id: str,
    user_id: str | None,
    *,
    name: str,
    kind: TriggerType,
    config: dict[str, Any],
    action: TriggerAction,
    overlap: Overlap,
    enabled: bool,
    failure_limit: int,
) -> Trigger:
    now = utcnow()
    stored, schedule = _checked(team_id, kind, config, action, now)
    trigger = Trigger(
        id=new_id(),
        team_id=team_id,
        name=name,
        type=kind,
        config=stored,
        action=action,
        overlap=overlap,
        enabled=enabled,
        failure_limit=failure_limit,
        disabled_at=None if enabled else now,
        owner_id=user_id,
        created_at=now,
        updated_at=now,
    )
    trigger = store.create_trigger(trigger)
    if schedule is not None:
        try:
            scheduler.put_schedule(trigger, schedule, now)
        except Exception:
            # No trigger without its schedule: take the item back, the caller may retry.
            store.delete_trigger(trigger)
            raise
    return trigger


def get_trigger(team_id: str, trigger_id: str) -> Trigger:
    return store.require(store.get_trigger(team_id, trigger_id))


def list_triggers(team_id: str, params: PageParams) -> tuple[list[Trigger], int, str | None]:
    return store.list_triggers(team_id, params)


def schedule_view(
    trigger: Trigger, now: datetime | None = None
) -> tuple[str | None, list[datetime] | None]:
    """A schedule trigger's schedule in words and its next fire times (none while off)."""
    if trigger.type != "schedule":
        return None, None
    schedule = parse_schedule(trigger.config)
    if not trigger.enabled:
        return schedule.description, []
    times = next_fire_times(schedule, now or utcnow(), NEXT_FIRES, created_at=trigger.updated_at)
    return schedule.description, times


def _current(team_id: str, trigger_id: str) -> Trigger:
    return store.require(store.get_trigger(team_id, trigger_id, consistent=True))


def replace_trigger(
    team_id: str,
    trigger_id: str,
    *,
    name: str,
    kind: TriggerType,
    config: dict[str, Any],
    action: TriggerAction,
    overlap: Overlap,
    enabled: bool,
    failure_limit: int,
) -> Trigger:
    now = utcnow()
    stored, schedule = _checked(team_id, kind, config, action, now)

    def change(current: Trigger) -> tuple[Trigger, Trigger]:
        update: dict[str, Any] = {
            "name": name,
            "type": kind,
            "config": stored,
            "action": action,
            "overlap": overlap,
            "enabled": enabled,
            "failure_limit": failure_limit,
            "updated_at": now,
        }
        update.update(_switched(current, enabled, now))
        return current, store.save_trigger(current, current.model_copy(update=update))

    before, after = update_versioned(lambda: _current(team_id, trigger_id), change, what="trigger")
    if schedule is not None:
        scheduler.put_schedule(after, schedule, now)
    elif before.type == "schedule":
        scheduler.delete_schedule(after.id)
    return after


def _switched(current: Trigger, enabled: bool, now: datetime) -> dict[str, Any]:
    """What turning a trigger on or off changes beside `enabled`."""
    if enabled and not current.enabled:
        return {
            "consecutive_failures": 0,
            "paused_reason": None,
            "disabled_at": None,
            "window_started_at": None,
            "window_runs": 0,
        }
    if not enabled and current.enabled:
        return {"disabled_at": now}
    return {}


def delete_trigger(team_id: str, trigger_id: str) -> None:
    trigger = _current(team_id, trigger_id)
    store.delete_trigger(trigger)
    if trigger.type == "schedule":
        scheduler.delete_schedule(trigger.id)


def toggle_trigger(team_id: str, trigger_id: str, *, replay_missed: bool = False) -> Trigger:
    """Turn the trigger off, or on again (its failure streak cleared). Fires a schedule
    trigger missed while off are sent now when `replay_missed` asks (at most
    `MAX_REPLAY`; each runs once, like any fire), else never."""
    now = utcnow()

    def change(current: Trigger) -> tuple[Trigger, Trigger]:
        enabled = not current.enabled
        update = {"enabled": enabled, "updated_at": now, **_switched(current, enabled, now)}
        return current, store.save_trigger(current, current.model_copy(update=update))

    before, after = update_versioned(lambda: _current(team_id, trigger_id), change, what="trigger")
    if after.type == "schedule":
        scheduler.put_schedule(after, parse_schedule(after.config), now)
    if after.enabled and replay_missed and before.disabled_at is not None:
        missed = runner.replay_times(before, before.disabled_at, now, MAX_REPLAY)
        queues.send_many(
            scheduler.FIRES_QUEUE,
            [
                FireRequest(
                    team_id=team_id, trigger_id=after.id, scheduled_for=moment, reason="replay"
                ).model_dump(mode="json")
                for moment in missed
            ],
        )
    return after


def list_runs(
    team_id: str, trigger_id: str, params: PageParams
) -> tuple[list[TriggerRun], int, str | None]:
    trigger = get_trigger(team_id, trigger_id)
    return store.list_runs(trigger.id, params)


def fire_now(team_id: str, trigger_id: str, user_id: str | None) -> TriggerRun:
    """Run the trigger's action now, as its schedule or event would (same history and
    events), whatever its overlap policy and whether it is on. There is no event: an
    event trigger whose action reads one records a failed run saying so."""
    trigger = get_trigger(team_id, trigger_id)
    request = FireRequest(
        team_id=team_id,
        trigger_id=trigger.id,
        scheduled_for=utcnow(),
        reason="manual",
        fire_id=new_id(),
    )
    run = runner.fire(request, owner_id=user_id)
    if run is None:  # deleted between the read and the fire
        raise NotFound("trigger not found")
    return run
