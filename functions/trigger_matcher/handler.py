"""Lambda entry of the trigger-events consumer (SQS event-source mapping): wiring only."""

from functions.trigger_matcher.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
