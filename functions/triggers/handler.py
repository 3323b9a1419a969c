"""Lambda entry of the triggers group: wiring only."""

from mangum import Mangum

from functions.triggers.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
