"""Lambda entry of the bus-events consumer (SQS event-source mapping): wiring only."""

from functions.webhook_fanout.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
