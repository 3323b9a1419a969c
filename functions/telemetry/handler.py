"""Lambda entry of the telemetry group: wiring only."""

from mangum import Mangum

from functions.telemetry.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
