"""Lambda entry of the fleet group: wiring only."""

from mangum import Mangum

from functions.fleet.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
