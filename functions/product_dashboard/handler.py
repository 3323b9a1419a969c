"""Lambda entry of the product_dashboard group: wiring only."""

from mangum import Mangum

from functions.product_dashboard.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
