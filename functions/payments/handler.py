"""Lambda entry of the payments group: wiring only."""

from mangum import Mangum

from functions.payments.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
