"""Lambda entry of the hook-events consumer (SQS event-source mapping): wiring only."""

from functions.hook_ingest.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
