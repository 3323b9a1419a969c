"""Lambda entry of the team-wipes consumer (SQS event-source mapping): wiring only."""

from functions.team_wipe.service import handle_batch
from shared.observability import lambda_entry

handler = lambda_entry(handle_batch)
