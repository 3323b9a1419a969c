"""Lambda entry of the marketplace group: wiring only."""

from mangum import Mangum

from functions.marketplace.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
