"""Lambda entry of the costs group: wiring only."""

from mangum import Mangum

from functions.costs.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
