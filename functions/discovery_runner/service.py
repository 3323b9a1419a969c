"""discovery-runs batches: each run carried to its end once (shared.discovery.runner),
failures reported to SQS (delivered again; on the last receive the run is failed with the
reason first, and the message lands in discovery-runs-dlq)."""

from __future__ import annotations

from typing import Any

from shared.discovery.runner import run_discovery
from shared.discovery.service import QUEUE
from shared.queue_consumer import consume, json_body, last_receive

# Longer than a message can live through its receives (3 x 30 minutes) and redrive.
IDEMPOTENCY_SECONDS = 24 * 3600


def _message(record: Any) -> dict[str, Any]:
    body = json_body(record)
    return {
        "team_id": str(body["team_id"]),
        "run_id": str(body["run_id"]),
        "once": f"{body['team_id']}#{body['run_id']}",
        "last_receive": last_receive(record, QUEUE),
    }


def carry_run(message: dict[str, Any]) -> dict[str, Any]:
    run = run_discovery(message["team_id"], message["run_id"], last_receive=message["last_receive"])
    return {"status": None if run is None else run.status}


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records, each run carried once; the batch item failures."""
    return consume(
        event,
        context,
        carry_run,
        key="once",
        keep_seconds=IDEMPOTENCY_SECONDS,
        message=_message,
    )
