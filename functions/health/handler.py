"""Lambda entry of the health group: wiring only."""

from mangum import Mangum

from functions.health.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
