"""trigger-fires batches: each fire run once (shared.triggers.runner), failures reported
to SQS.

A failed action is not a failure of the message: it is a run recorded `failed` (and counts
towards the trigger's pause). Only what stops the run being made or recorded (storage, the
bus, the queue) raises, and SQS delivers the message again; after its last receive it
lands in trigger-fires-dlq and the dead-letter archiver keeps it for an admin.
"""

from __future__ import annotations

from typing import Any

from shared.queue_consumer import consume, json_body
from shared.triggers.domain import FireRequest
from shared.triggers.runner import fire

# Longer than a message can live through its receives and redrive (SQS keeps it 4 days).
IDEMPOTENCY_SECONDS = 4 * 24 * 3600


def _message(record: Any) -> dict[str, Any]:
    """The body, with `once`: the trigger, the fire (event id or scheduled time) and how
    often it was queued, which is what makes one message's work one."""
    body = json_body(record)
    request = FireRequest.model_validate(body)
    return {**body, "once": f"{request.trigger_id}#{request.fire_key}#{request.queued}"}


def run_fire(message: dict[str, Any]) -> dict[str, Any]:
    request = FireRequest.model_validate({k: v for k, v in message.items() if k != "once"})
    run = fire(request)
    return {"run_id": run.id if run else None, "outcome": run.outcome if run else None}


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records, each fire run once; the batch item failures to retry."""
    return consume(
        event, context, run_fire, key="once", keep_seconds=IDEMPOTENCY_SECONDS, message=_message
    )
