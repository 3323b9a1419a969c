"""Lambda entry of the secrets group: wiring only."""

from mangum import Mangum

from functions.secrets.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
