"""Lambda entry of the customers group: wiring only."""

from mangum import Mangum

from functions.customers.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
