"""Lambda entry of the trigger-fires consumer (SQS event-source mapping): wiring only."""

from functions.trigger_runner.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
