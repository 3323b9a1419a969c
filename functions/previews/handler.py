"""Lambda entry of the previews group: wiring only."""

from mangum import Mangum

from functions.previews.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
