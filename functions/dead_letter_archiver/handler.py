"""Lambda entry of the dead-letter archiver (SQS event-source mappings of every dead-letter
queue): wiring only."""

from functions.dead_letter_archiver.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
