"""notification-events batches: each EventBridge event notified once per event id (a
redelivered message adds nothing; a retry after a partial failure adds only what is
missing, the items' and deliveries' ids being made from the event), failures reported to
SQS, which moves a message that keeps failing to notification-events-dlq."""

from __future__ import annotations

from typing import Any

from shared.notifications.notifier import notify
from shared.queue_consumer import consume

# Longer than a message can live through its receives and redrive (SQS keeps it 4 days).
IDEMPOTENCY_SECONDS = 4 * 24 * 3600


def notify_event(message: dict[str, Any]) -> dict[str, int]:
    outcome = notify(message)
    return {"notes": outcome.notes, "deliveries": outcome.deliveries}


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records (EventBridge events), each notified once per event id."""
    return consume(event, context, notify_event, key="id", keep_seconds=IDEMPOTENCY_SECONDS)
