"""notification-deliveries batches: each message's attempt made once per delivery and
attempt number (a redelivered message never sends twice), failures reported to SQS.

A channel's error (Slack answering 500, SES refusing) is not a failure of the message: the
attempt is recorded and the next one scheduled, or the delivery dead-lettered after the
last. Only what stops the attempt itself being recorded (storage, the channel's secret,
the queue) raises, and SQS tries the message again (its DLQ after five receives)."""

from __future__ import annotations

from typing import Any

from shared.notifications.channel_delivery import deliver
from shared.queue_consumer import consume

# Longer than a message can live through its receives and redrive (SQS keeps it 4 days).
IDEMPOTENCY_SECONDS = 4 * 24 * 3600


def deliver_attempt(message: dict[str, Any]) -> dict[str, Any]:
    return {"outcome": deliver(message)}


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records, each attempt made once; the batch item failures to retry.
    The notifier's first message names no attempt: it is attempt 1 (`attempt` null)."""
    return consume(
        event,
        context,
        deliver_attempt,
        key="[delivery_id, attempt]",
        keep_seconds=IDEMPOTENCY_SECONDS,
    )
