"""Lambda entry of the chat-tickets consumer (SQS event-source mapping): wiring only."""

from functions.chat_runner.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
