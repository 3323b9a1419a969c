"""hook-events batches: each record's work once per event id (Powertools idempotency), the
records that failed reported back to SQS (partial batch response) to be received again,
and after the queue's max receives moved to its dead-letter queue."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from shared.hooks.ingest import ingest
from shared.idempotency import _persistence

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

# As long as the event itself is kept: a redelivery within it is never stored twice.
IDEMPOTENCY_SECONDS = 7 * 24 * 3600


@cache
def _config() -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="event_id", expires_after_seconds=IDEMPOTENCY_SECONDS
    )


@cache
def _ingest_once() -> Any:
    from aws_lambda_powertools.utilities.idempotency import idempotent_function

    @idempotent_function(
        data_keyword_argument="message", persistence_store=_persistence(), config=_config()
    )
    def ingest_once(message: dict[str, Any]) -> dict[str, Any]:
        event = ingest(message)
        return {"stored": event is not None}

    return ingest_once


@cache
def _processor() -> BatchProcessor:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    return BatchProcessor(event_type=EventType.SQS)


def _record(record: SQSRecord) -> None:
    _ingest_once()(message=json.loads(record.body))


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records, each ingested once; the batch item failures to retry."""
    from aws_lambda_powertools.utilities.batch import process_partial_response

    _config().register_lambda_context(context)
    answer = process_partial_response(
        event=event, record_handler=_record, processor=_processor(), context=context
    )
    return dict(answer)
