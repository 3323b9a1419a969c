"""Lambda entry of the jobs group: wiring only."""

from mangum import Mangum

from functions.jobs.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
