"""Lambda entry of the rest group: wiring only."""

from mangum import Mangum

from functions.rest.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
