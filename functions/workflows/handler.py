"""Lambda entry of the workflows group: wiring only."""

from mangum import Mangum

from functions.workflows.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
