"""Lambda entry of the discovery-runs consumer (SQS event-source mapping): wiring only."""

from functions.discovery_runner.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
