"""One fire of a trigger, run at most once: the overlap policy, the claim, the action, the
history row, the failure streak and the pause.

Both callers go through `fire`: the `trigger_runner` consumer (`trigger-fires` messages
from a schedule, the event matcher, a replay or a queued fire) and `POST
/triggers/{id}/fire` (reason `manual`: in the request, except a `run_agent` action, whose
model call may outlast the API's 29 s and is queued as a fire of its own), so history
reads the same.

At most one run per fire: the consumer runs each message once (Powertools idempotency on
the trigger, the fire and how often it was queued), and a run first claims its fire
(`FIRE#<event id or scheduled time>`, a conditional put): the Scheduler or the matcher
delivering one fire twice, as two messages, still makes one run. A claim whose action
raised (not a failed action: an error of ours, such as storage) is released, so SQS's
redelivery can run it.

Overlap, for fires that are not manual (a person asking to run one now gets one):
`skip` records a run `skipped` when what the previous run started (a job, a task, a
workflow run: whatever its action is) is still going; `queue` puts
the fire back on the queue (`send_later`, every `QUEUE_RETRY`) until it is not, and
records it skipped after `MAX_QUEUED` tries; `allow` runs. A trigger whose action fails
`failure_limit` times in a row is turned off (its schedule disabled) and publishes
`trigger.paused`; every run publishes `trigger.fired`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from shared import events
from shared.db.versioned import update_versioned
from shared.errors import NotFound, ServiceUnavailable
from shared.ids import new_id, utcnow
from shared.observability import logger
from shared.triggers import store
from shared.triggers.domain import FireRequest, Trigger, TriggerRun

if TYPE_CHECKING:
    from shared.triggers.actions import ActionResult

# A queued fire looks again this often, and gives up (recorded skipped) after a day.
QUEUE_RETRY: Final = timedelta(minutes=1)
MAX_QUEUED: Final = 24 * 60
MAX_ERROR_LENGTH: Final = 2000
MAX_OUTPUT_LENGTH: Final = 4000
# The runaway guard: a trigger that runs more than this within an hour is paused. Twice
# what the tightest schedule runs (every minute); an event trigger past it is far more
# likely a loop (a job-starting trigger on `job.*` with overlap allow, whose jobs' events
# fire it again, unbounded where the built-in provider costs nothing) than a wish.
MAX_RUNS_PER_HOUR: Final = 120
RUNAWAY_WINDOW: Final = timedelta(hours=1)

RunAction = Callable[..., "ActionResult"]
# (team, job id or None, task_id=..., workflow_run_id=...): shared.triggers.actions.is_running.
IsRunning = Callable[..., bool]


def _run_action() -> RunAction:
    from shared.triggers.actions import run_action

    return run_action


def _is_running() -> IsRunning:
    from shared.triggers.actions import is_running

    return is_running


def fire(
    request: FireRequest,
    *,
    owner_id: str | None = None,
    run_action: RunAction | None = None,
    is_running: IsRunning | None = None,
) -> TriggerRun | None:
    """Run one fire; the run recorded (a duplicate fire answers the first one's run), or
    None when nothing runs: the trigger is gone or off, or the fire waits (queued).

    A manual fire runs whatever the overlap policy and whether the trigger is on; it is
    `owner_id`'s (the caller's) and does not count towards the failure streak."""
    trigger = store.get_trigger(request.team_id, request.trigger_id, consistent=True)
    manual = request.reason == "manual"
    if trigger is None:
        if manual:
            raise NotFound("trigger not found")
        logger.info("fire of a deleted trigger dropped", extra={"trigger_id": request.trigger_id})
        if request.reason == "schedule":
            _drop_orphan_schedule(request.trigger_id)
        return None
    if request.reason == "schedule" and trigger.type != "schedule":
        # Made an event trigger, and its schedule's delete failed: the schedule is not its.
        logger.info("schedule fire of an event trigger dropped", extra={"trigger_id": trigger.id})
        _drop_orphan_schedule(trigger.id)
        return None
    if not trigger.enabled and not manual:
        # In flight when it was turned off (a replay too: it was sent when the trigger was
        # turned on, and it was turned off again since): a paused trigger's fires are not run.
        logger.info("fire of a disabled trigger dropped", extra={"trigger_id": trigger.id})
        return None

    outcome_if_busy = None if manual else _overlap(trigger, request, is_running)
    if outcome_if_busy == "queued":
        return None

    now = utcnow()
    run_id = request.fire_id or new_id()
    held = store.claim_fire(trigger.team_id, trigger.id, request.fire_key, run_id, now)
    if held is not None:
        logger.info("duplicate fire", extra={"trigger_id": trigger.id, "run_id": held})
        return store.get_run(trigger.id, held)

    event_id = (request.event or {}).get("id")
    base: dict[str, Any] = {
        "id": run_id,
        "team_id": trigger.team_id,
        "trigger_id": trigger.id,
        "reason": request.reason,
        "fired_at": now,
        "scheduled_for": request.scheduled_for,
        "event_id": event_id if isinstance(event_id, str) else None,
    }
    if outcome_if_busy == "skipped":
        run = TriggerRun(
            **base, outcome="skipped", error="the previous run was still going (overlap: skip)"
        )
    else:
        try:
            result = (run_action or _run_action())(
                trigger.team_id,
                (owner_id or request.owner_id) if manual else trigger.owner_id,
                trigger.action,
                request.event,
                run_id=run_id,
                trigger_id=trigger.id,
                trigger_name=trigger.name,
            )
        except Exception:
            store.release_fire(trigger.id, request.fire_key, run_id)
            raise
        run = TriggerRun(
            **base,
            outcome=result.outcome,
            job_id=result.job_id,
            task_id=result.task_id,
            workflow_run_id=result.workflow_run_id,
            error=_cut(result.error, MAX_ERROR_LENGTH),
            output=_cut(result.output, MAX_OUTPUT_LENGTH),
        )
    store.save_run(run)
    _after_run(
        trigger, run, counts=not manual and run.outcome != "skipped", chain=chain_of(request.event)
    )
    return run


def chain_of(event: dict[str, Any] | None) -> int:
    """How deep a run is in a chain of triggers firing one another: 1 for a fire of a
    schedule, a person or any other event, one more than the firing `trigger.*` event's.
    The matcher fires nothing from an event at the chain's limit, so a cycle ends."""
    if not event or not str(event.get("type") or "").startswith("trigger."):
        return 1
    previous = (event.get("data") or {}).get("chain")
    if isinstance(previous, bool) or not isinstance(previous, int) or previous < 1:
        previous = 1
    return previous + 1


def _overlap(trigger: Trigger, request: FireRequest, is_running: IsRunning | None) -> str | None:
    """`skipped` or `queued` when what the previous run started is still going and the
    policy says so (a queued fire is sent back here); None to run."""
    if trigger.overlap == "allow":
        return None
    # A job is asked as before; a task or a workflow run by name (at most one is set).
    others = {
        name: value
        for name, value in (
            ("task_id", trigger.last_task_id),
            ("workflow_run_id", trigger.last_workflow_run_id),
        )
        if value is not None
    }
    if trigger.last_job_id is None and not others:
        return None
    if not (is_running or _is_running())(trigger.team_id, trigger.last_job_id, **others):
        return None
    if trigger.overlap == "skip" or request.queued >= MAX_QUEUED:
        return "skipped"
    from shared.schedules import send_later
    from shared.triggers.scheduler import FIRES_QUEUE

    later = request.model_copy(update={"reason": "queued", "queued": request.queued + 1})
    send_later(FIRES_QUEUE, later.model_dump(mode="json"), utcnow() + QUEUE_RETRY)
    logger.info("fire queued behind the previous run", extra={"trigger_id": trigger.id})
    return "queued"


def _cut(text: str | None, length: int) -> str | None:
    return text if text is None or len(text) <= length else text[: length - 1] + "…"


def _after_run(trigger: Trigger, run: TriggerRun, *, counts: bool, chain: int) -> None:
    """The trigger's last run and failure streak; the pause when the streak reaches the
    limit; the events."""
    paused: list[Trigger] = []

    def read() -> Trigger:
        current = store.get_trigger(trigger.team_id, trigger.id, consistent=True)
        if current is None:
            raise NotFound("trigger not found")
        return current

    def change(current: Trigger) -> Trigger:
        update: dict[str, Any] = {"last_run_id": run.id, "last_fired_at": run.fired_at}
        started = {
            "last_job_id": run.job_id,
            "last_task_id": run.task_id,
            "last_workflow_run_id": run.workflow_run_id,
        }
        if any(value is not None for value in started.values()):
            # The newest work replaces the last (its action may have changed kind since).
            update.update(started)
        if counts:
            update.update(_window(current, run.fired_at))
            if update["window_runs"] > MAX_RUNS_PER_HOUR and current.enabled:
                update.update(
                    enabled=False,
                    disabled_at=run.fired_at,
                    paused_reason=f"paused after {update['window_runs']} runs within an hour: "
                    "a loop (its action's events firing it again)? Turn it on again when it "
                    "is mended",
                )
        if counts and update.get("enabled", True):
            failures = current.consecutive_failures + 1 if run.outcome == "failed" else 0
            update["consecutive_failures"] = failures
            if failures >= current.failure_limit and current.enabled:
                update.update(
                    enabled=False,
                    disabled_at=run.fired_at,
                    paused_reason=f"paused after {failures} failed runs in a row: "
                    f"{run.error or 'the action failed'}"[:MAX_ERROR_LENGTH],
                )
        after = current.model_copy(update=update)
        saved = store.save_trigger(current, after)
        if current.enabled and not saved.enabled:
            paused.append(saved)
        return saved

    # Deleted meanwhile: its run is recorded, nothing else to keep.
    with suppress(NotFound):
        update_versioned(read, change, what="trigger")
    _publish_fired(trigger, run, chain)
    for stopped in paused:
        # Announced first: a redelivery of this fire finds its run and does none of this
        # again, so a pause whose schedule write failed would otherwise never be told.
        events.publish(
            "trigger.paused",
            {
                "team_id": stopped.team_id,
                "trigger_id": stopped.id,
                "name": stopped.name,
                "failures": stopped.consecutive_failures,
                # The action's error, or (paused as a runaway) why it was paused.
                "error": run.error or stopped.paused_reason,
            },
        )
        try:
            _pause_schedule(stopped)
        except ServiceUnavailable:
            # The trigger is off: the fires its schedule still sends are dropped, and its
            # next change (turning it on again) writes the schedule anew.
            logger.exception(
                "paused trigger's schedule left enabled", extra={"trigger_id": stopped.id}
            )


def _window(current: Trigger, fired_at: datetime) -> dict[str, Any]:
    """The run counted in the trigger's hour: a new hour starts at the first run after
    the last one ended."""
    started = current.window_started_at
    if started is None or fired_at - started >= RUNAWAY_WINDOW:
        return {"window_started_at": fired_at, "window_runs": 1}
    return {"window_runs": current.window_runs + 1}


def _publish_fired(trigger: Trigger, run: TriggerRun, chain: int) -> None:
    events.publish(
        "trigger.fired",
        {
            "team_id": trigger.team_id,
            "trigger_id": trigger.id,
            "name": trigger.name,
            "run_id": run.id,
            "outcome": run.outcome,
            "job_id": run.job_id,
            "task_id": run.task_id,
            "workflow_run_id": run.workflow_run_id,
            "chain": chain,
        },
    )


def _drop_orphan_schedule(trigger_id: str) -> None:
    """Delete the schedule of a trigger that is gone or no longer a schedule trigger: a
    DELETE or PUT whose schedule delete failed left it firing (the DELETE's retry is a 404).
    A schedule is written only after its trigger's item, so none exists for a trigger not
    yet stored."""
    from shared.triggers.scheduler import delete_schedule

    try:
        delete_schedule(trigger_id)
    except ServiceUnavailable:  # its next fire tries again
        logger.exception("orphan schedule left", extra={"trigger_id": trigger_id})


def _pause_schedule(trigger: Trigger) -> None:
    if trigger.type != "schedule":
        return  # an event trigger's index item carries `enabled`, written with it
    from shared.triggers.schedule import parse_schedule
    from shared.triggers.scheduler import put_schedule

    put_schedule(trigger, parse_schedule(trigger.config), utcnow())


def replay_times(trigger: Trigger, since: datetime, now: datetime, limit: int) -> list[datetime]:
    """The fire times a schedule trigger missed between `since` and `now` (at most `limit`)."""
    from shared.triggers.schedule import next_fire_times, parse_schedule

    if trigger.type != "schedule":
        return []
    times = next_fire_times(
        parse_schedule(trigger.config), since, limit, created_at=trigger.updated_at
    )
    return [moment for moment in times if moment < now]
