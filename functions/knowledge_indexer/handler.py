"""Lambda entry of the knowledge-index consumer (SQS FIFO event-source mapping): wiring only."""

from functions.knowledge_indexer.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
