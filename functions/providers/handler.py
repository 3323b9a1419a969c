"""Lambda entry of the providers group: wiring only."""

from mangum import Mangum

from functions.providers.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
