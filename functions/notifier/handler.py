"""Lambda entry of the notification-events consumer (SQS event-source mapping): wiring only."""

from functions.notifier.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
