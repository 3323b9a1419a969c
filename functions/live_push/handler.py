"""Lambda entry of the live-events consumer (SQS event-source mapping): wiring only."""

from functions.live_push.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
