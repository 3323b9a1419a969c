"""Dead-letter queue batches: each message archived once per SQS message id (a
redelivery, after a timed-out invocation say, is a no-op), failures reported back to SQS.

The queue a record came from is the last part of its `eventSourceARN`,
`<resource prefix>-<queue key>`; what SQS tells of the failure is its receive count.
"""

from __future__ import annotations

import json
from typing import Any

from shared.dead_letter.archive import archive
from shared.dead_letter.settlers import settle
from shared.queue_consumer import consume
from shared.queues import DEAD_LETTER_RETENTION_SECONDS, FIFO_SUFFIX
from shared.settings import get_settings

# As long as a dead-letter queue keeps a message: a redelivery is never archived twice.
IDEMPOTENCY_SECONDS = DEAD_LETTER_RETENTION_SECONDS


def queue_key(event_source_arn: str) -> str:
    """The shared.queues key of the queue an SQS record came from."""
    name = event_source_arn.rsplit(":", 1)[-1]
    prefix = f"{get_settings().resource_prefix}-"
    if not name.startswith(prefix):
        raise ValueError(f"{name!r} is not one of this product's queues")
    # A FIFO queue's name ends in .fifo; its key does not (shared.queues.queue_name).
    return name[len(prefix) :].removesuffix(FIFO_SUFFIX)


def archive_message(message: dict[str, Any]) -> dict[str, Any]:
    try:
        payload = json.loads(message["body"])
    except ValueError:
        payload = message["body"]
    # Before the item is kept: a settler that fails has the message received again with
    # nothing archived yet, and settling twice changes nothing (settlers are conditional).
    settle(message["queue"], payload)
    letter = archive(
        message["queue"],
        message["body"],
        receive_count=message["receive_count"],
        message_attributes=message["message_attributes"],
    )
    return {"team_id": letter.team_id, "dead_letter_id": letter.id}


def _message(record: Any) -> dict[str, Any]:
    count = record.attributes.approximate_receive_count
    return {
        "message_id": record.message_id,
        "queue": queue_key(record.event_source_arn),
        "body": record.body or "",
        "receive_count": int(count) if count else None,
        # As Lambda gives them ({"stringValue": ...}); read as given, whatever the casing.
        "message_attributes": dict(record.raw_event.get("messageAttributes") or {}),
    }


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records, each archived once; the batch item failures to retry."""
    return consume(
        event,
        context,
        archive_message,
        key="message_id",
        keep_seconds=IDEMPOTENCY_SECONDS,
        message=_message,
    )
