"""task-runs batches: each queued task run once (shared.tasks.runs), failures reported to
SQS.

A provider that failed, a spent budget: the task ends `failed` with the reason, and the
message is done. What stops the task being run or recorded (storage, a bug) raises: SQS
delivers the message again, and on its last receive the task is failed first, so the
message that lands in task-runs-dlq belongs to a task that says why (the archiver's
settler fails it, should that write have failed too).
"""

from __future__ import annotations

from typing import Any

from shared.queue_consumer import consume, json_body, last_receive
from shared.tasks.runs import run_task

QUEUE = "task-runs"
# Longer than a message can live through its receives (3 x 30 minutes) and redrive.
IDEMPOTENCY_SECONDS = 24 * 3600


def _message(record: Any) -> dict[str, Any]:
    """The body with `once` (the task) and whether this is the message's last receive."""
    body = json_body(record)
    return {
        "team_id": str(body["team_id"]),
        "task_id": str(body["task_id"]),
        "once": f"{body['team_id']}#{body['task_id']}",
        "last_receive": last_receive(record, QUEUE),
    }


def run(message: dict[str, Any]) -> dict[str, Any]:
    task = run_task(message["team_id"], message["task_id"], last_receive=message["last_receive"])
    return {"status": None if task is None else task.status}


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records, each task run once; the batch item failures."""
    return consume(
        event, context, run, key="once", keep_seconds=IDEMPOTENCY_SECONDS, message=_message
    )
