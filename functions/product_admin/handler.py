"""Lambda entry of the product_admin group: wiring only."""

from mangum import Mangum

from functions.product_admin.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
