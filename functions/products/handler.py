"""Lambda entry of the products group (the public storefront): wiring only."""

from mangum import Mangum

from functions.products.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
