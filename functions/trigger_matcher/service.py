"""trigger-events batches: each EventBridge event matched to the team's event triggers once
per event id (a redelivered message queues no second fire), failures reported to SQS."""

from __future__ import annotations

from typing import Any

from shared.queue_consumer import consume
from shared.triggers.matcher import match

# Longer than a message can live through its receives and redrive (SQS keeps it 4 days).
IDEMPOTENCY_SECONDS = 4 * 24 * 3600


def match_event(message: dict[str, Any]) -> dict[str, Any]:
    return {"fired": match(message)}


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records (EventBridge events), each matched once per event id."""
    return consume(event, context, match_event, key="id", keep_seconds=IDEMPOTENCY_SECONDS)
