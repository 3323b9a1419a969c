"""Triggers for their team: create, read (with the next fire times and the schedule in
words), replace, delete, turn on and off (replaying missed fires only when asked), the
history, and a fire run now. Firing itself is shared.triggers.runner's.

Creating one, and the checks every write makes, are shared.triggers.service's (a
marketplace template's install creates triggers too); a replacement is checked the same
way, and its schedule rewritten after its item.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from shared import queues
from shared.db.versioned import update_versioned
from shared.errors import NotFound
from shared.ids import new_id, utcnow
from shared.pagination import PageParams
from shared.triggers import runner, scheduler, store
from shared.triggers.domain import (
    FireRequest,
    Overlap,
    Trigger,
    TriggerAction,
    TriggerRun,
    TriggerType,
)
from shared.triggers.schedule import next_fire_times, parse_schedule
from shared.triggers.service import check_trigger
from shared.triggers.service import create_trigger as create_trigger

NEXT_FIRES: Final = 5
MAX_REPLAY: Final = 100


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
    stored, schedule = check_trigger(team_id, kind, config, action, now)

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


def fire_now(team_id: str, trigger_id: str, user_id: str | None) -> tuple[TriggerRun | None, str]:
    """Run the trigger's action now, as its schedule or event would (same history and
    events), whatever its overlap policy and whether it is on: (the run, its id). There is
    no event: an event trigger whose action reads one records a failed run saying so.

    A `run_agent` action is a model call, which may take longer than an API answer may
    (the providers' read timeout is minutes, API Gateway's limit 29 s): it is queued on
    `trigger-fires` as this fire, and the answer names the run it will be (None: queued)."""
    trigger = get_trigger(team_id, trigger_id)
    run_id = new_id()
    request = FireRequest(
        team_id=team_id,
        trigger_id=trigger.id,
        scheduled_for=utcnow(),
        reason="manual",
        fire_id=run_id,
        owner_id=user_id,
    )
    if trigger.action.type == "run_agent":
        queues.send(scheduler.FIRES_QUEUE, request.model_dump(mode="json"))
        return None, run_id
    run = runner.fire(request, owner_id=user_id)
    if run is None:  # deleted between the read and the fire
        raise NotFound("trigger not found")
    return run, run.id
