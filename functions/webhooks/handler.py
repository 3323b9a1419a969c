"""Lambda entry of the webhooks group: wiring only."""

from mangum import Mangum

from functions.webhooks.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
