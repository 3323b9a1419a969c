"""One EventBridge Scheduler schedule per schedule trigger, kept in step with it.

The schedule lives in the product's group (`<prefix>-schedules`), is named after the
trigger and sends `{team_id, trigger_id, scheduled_for, reason: "schedule", event: null}`
to the `trigger-fires` queue, `scheduled_for` filled in by the Scheduler
(`<aws.scheduler.scheduled-time>`). It retries a failed send for an hour and then
dead-letters the message into `trigger-fires-dlq` (the dead-letter archiver's). A paused
trigger's schedule is DISABLED: the Scheduler does not fire it, and nothing replays what
it would have fired unless enabling asks for it.

Writes are idempotent "make it so" calls: an update that finds no schedule creates it and
a create that finds one updates it, so a write that failed half-way is repaired by the
next change of the trigger.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final

from shared.errors import ServiceUnavailable
from shared.queues import QUEUES_BY_KEY, queue_url
from shared.schedules import queue_arn
from shared.settings import get_settings
from shared.triggers.domain import Trigger
from shared.triggers.schedule import Schedule

FIRES_QUEUE: Final = "trigger-fires"
SCHEDULED_TIME: Final = "<aws.scheduler.scheduled-time>"
# A fire the Scheduler cannot hand to the queue is retried this long, then dead-lettered.
RETRY_POLICY: Final = {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 20}


def schedule_name(trigger_id: str) -> str:
    return f"trigger-{trigger_id}"


def fire_input(trigger: Trigger) -> str:
    """The message each fire sends (the Scheduler fills in the scheduled time)."""
    return json.dumps(
        {
            "team_id": trigger.team_id,
            "trigger_id": trigger.id,
            "scheduled_for": SCHEDULED_TIME,
            "reason": "schedule",
            "event": None,
        }
    )


def schedule_arguments(trigger: Trigger, schedule: Schedule, now: datetime) -> dict[str, Any]:
    """`create_schedule`/`update_schedule`'s arguments for the trigger as it is now."""
    settings = get_settings()
    arguments = schedule.scheduler_arguments()
    # The Scheduler refuses a StartDate more than 5 minutes past; one that has passed no
    # longer limits anything (a rate counts from the write then, as next_fire_times does).
    if schedule.start is not None and schedule.start <= now:
        arguments.pop("StartDate", None)
    dead_letter = QUEUES_BY_KEY[FIRES_QUEUE].dead_letter_key()
    arguments.update(
        Name=schedule_name(trigger.id),
        GroupName=settings.schedule_group_name,
        Description=f"trigger {trigger.name}"[:512],
        FlexibleTimeWindow={"Mode": "OFF"},
        State="ENABLED" if trigger.enabled else "DISABLED",
        Target={
            "Arn": queue_arn(queue_url(FIRES_QUEUE)),
            "RoleArn": settings.schedule_role_arn,
            "Input": fire_input(trigger),
            "RetryPolicy": dict(RETRY_POLICY),
            "DeadLetterConfig": {"Arn": queue_arn(queue_url(dead_letter))},
        },
    )
    if schedule.kind == "at":
        # Kept after it ran: it goes with the trigger, and the trigger shows it ran.
        arguments["ActionAfterCompletion"] = "NONE"
    return arguments


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def put_schedule(trigger: Trigger, schedule: Schedule, now: datetime) -> None:
    """Create or update the trigger's schedule to match it (enabled or not)."""
    from shared.aws import client

    scheduler = client("scheduler")
    arguments = schedule_arguments(trigger, schedule, now)
    try:
        try:
            scheduler.update_schedule(**arguments)
        except Exception as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise
            scheduler.create_schedule(**arguments)
    except Exception as exc:
        if hasattr(exc, "response"):
            raise ServiceUnavailable(
                "The trigger's schedule could not be written; try again shortly"
            ) from exc
        raise


def delete_schedule(trigger_id: str) -> None:
    """Delete the trigger's schedule; one already gone is fine."""
    from shared.aws import client

    try:
        client("scheduler").delete_schedule(
            GroupName=get_settings().schedule_group_name, Name=schedule_name(trigger_id)
        )
    except Exception as exc:
        if _code(exc) == "ResourceNotFoundException":
            return
        if hasattr(exc, "response"):
            raise ServiceUnavailable(
                "The trigger's schedule could not be deleted; try again shortly"
            ) from exc
        raise
