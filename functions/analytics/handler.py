"""Lambda entry of the analytics group: wiring only."""

from mangum import Mangum

from functions.analytics.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
