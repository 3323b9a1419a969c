"""Lambda entry of the notification-deliveries consumer (SQS event-source mapping): wiring only."""

from functions.notification_delivery.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
