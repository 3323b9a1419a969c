"""Lambda entry of the settings group: wiring only."""

from mangum import Mangum

from functions.settings.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
