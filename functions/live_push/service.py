"""live-events batches: each EventBridge event pushed to the team's subscribed sockets,
failures reported to SQS (Powertools' batch utility). Not through
shared.queue_consumer.consume: that makes each unit of work once through an idempotency
record, which a push does not need (shared/live/push.py says why)."""

from __future__ import annotations

from typing import Any

from shared.live.push import push
from shared.queue_consumer import json_body


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    def record_handler(record: Any) -> None:
        push(json_body(record))

    answer = process_partial_response(
        event=event,
        record_handler=record_handler,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
    return dict(answer)
