"""Lambda entry of the chat group: wiring only."""

from mangum import Mangum

from functions.chat.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
