"""Lambda entry of the payment-events consumer (SQS event-source mapping): wiring only."""

from functions.payment_events.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
