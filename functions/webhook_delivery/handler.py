"""Lambda entry of the webhook-deliveries consumer (SQS event-source mapping): wiring only."""

from functions.webhook_delivery.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
