"""Lambda entry of the connectors group: wiring only."""

from mangum import Mangum

from functions.connectors.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
