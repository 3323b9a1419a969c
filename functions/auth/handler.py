"""Lambda entry of the auth group: wiring only."""

from mangum import Mangum

from functions.auth.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
