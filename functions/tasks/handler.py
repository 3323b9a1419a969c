"""Lambda entry of the tasks group: wiring only."""

from mangum import Mangum

from functions.tasks.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
