"""Dead-letter queue batches: each message archived once per SQS message id (a
redelivery, after a timed-out invocation say, is a no-op), failures reported back to SQS.

The queue a record came from is the last part of its `eventSourceARN`,
`<resource prefix>-<queue key>`; what SQS tells of the failure is its receive count.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from shared.dead_letter.archive import archive
from shared.queues import DEAD_LETTER_RETENTION_SECONDS
from shared.settings import get_settings

# As long as a dead-letter queue keeps a message: a redelivery is never archived twice.
IDEMPOTENCY_SECONDS = DEAD_LETTER_RETENTION_SECONDS


def queue_key(event_source_arn: str) -> str:
    """The shared.queues key of the queue an SQS record came from."""
    name = event_source_arn.rsplit(":", 1)[-1]
    prefix = f"{get_settings().resource_prefix}-"
    if not name.startswith(prefix):
        raise ValueError(f"{name!r} is not one of this product's queues")
    return name[len(prefix) :]


def archive_message(message: dict[str, Any]) -> dict[str, Any]:
    letter = archive(
        message["queue"],
        message["body"],
        receive_count=message["receive_count"],
        message_attributes=message["message_attributes"],
    )
    return {"team_id": letter.team_id, "dead_letter_id": letter.id}


@cache
def _once() -> Any:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

    from shared.idempotency import persistence

    config = IdempotencyConfig(
        event_key_jmespath="message_id", expires_after_seconds=IDEMPOTENCY_SECONDS
    )
    wrapped = idempotent_function(
        data_keyword_argument="message", persistence_store=persistence(), config=config
    )(archive_message)
    return wrapped, config


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
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    once, config = _once()
    # An in-progress record outlives a timed-out invocation only until this one's deadline.
    config.register_lambda_context(context)

    def record_handler(record: Any) -> None:
        once(message=_message(record))

    answer = process_partial_response(
        event=event,
        record_handler=record_handler,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
    return dict(answer)
