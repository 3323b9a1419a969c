"""Lambda entry of the dead-letter group: wiring only."""

from mangum import Mangum

from functions.dead_letter.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
