"""Lambda entry of the public inbound webhooks group: wiring only."""

from mangum import Mangum

from functions.hooks.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
