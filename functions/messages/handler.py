"""Lambda entry of the messages group: wiring only."""

from mangum import Mangum

from functions.messages.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
