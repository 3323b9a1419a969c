"""Lambda entry of the workflow-steps consumer (SQS event-source mapping): wiring only."""

from functions.workflow_runner.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
