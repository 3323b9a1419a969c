"""hook-events batches: each record stored and announced once per event id (a redelivery
within the event's seven days is a no-op), failures reported back to SQS."""

from __future__ import annotations

from typing import Any

from shared.hooks.ingest import ingest
from shared.queue_consumer import consume

# As long as the event itself is kept: a redelivery within it is never stored twice.
IDEMPOTENCY_SECONDS = 7 * 24 * 3600


def ingest_message(message: dict[str, Any]) -> dict[str, Any]:
    return {"stored": ingest(message) is not None}


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records, each ingested once; the batch item failures to retry."""
    return consume(event, context, ingest_message, key="event_id", keep_seconds=IDEMPOTENCY_SECONDS)
