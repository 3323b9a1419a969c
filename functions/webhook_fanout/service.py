"""bus-events batches: each EventBridge event fanned out to its subscribed endpoints once
per event id (a redelivered message queues nothing twice), failures reported to SQS."""

from __future__ import annotations

from typing import Any

from shared.queue_consumer import consume
from shared.webhooks.fanout import fan_out

# Longer than a message can live through its receives and redrive (SQS keeps it 4 days).
IDEMPOTENCY_SECONDS = 4 * 24 * 3600


def fan_out_event(message: dict[str, Any]) -> dict[str, Any]:
    return {"queued": fan_out(message)}


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records (EventBridge events), each fanned out once per event id."""
    return consume(event, context, fan_out_event, key="id", keep_seconds=IDEMPOTENCY_SECONDS)
