"""Lambda entry of the task-runs consumer (SQS event-source mapping): wiring only."""

from functions.task_runner.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
