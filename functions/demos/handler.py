"""Lambda entry of the demos group: wiring only."""

from mangum import Mangum

from functions.demos.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
