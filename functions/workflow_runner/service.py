"""workflow-steps batches: each wait step's delayed message answers its Run token once
(shared.workflows.runs.end_wait), failures reported to SQS; a message that keeps failing
lands in workflow-steps-dlq, whose settler fails the step's token."""

from __future__ import annotations

from typing import Any

from shared.queue_consumer import consume
from shared.workflows.runs import end_wait

# Longer than a message can live through its receives (3 x 3 minutes) and redrive.
IDEMPOTENCY_SECONDS = 24 * 3600


def run(message: dict[str, Any]) -> dict[str, Any]:
    end_wait(message)
    return {}


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records, each wait ended once; the batch item failures."""
    return consume(event, context, run, key="once", keep_seconds=IDEMPOTENCY_SECONDS)
