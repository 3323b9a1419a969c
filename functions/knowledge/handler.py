"""Lambda entry of the knowledge group: wiring only."""

from mangum import Mangum

from functions.knowledge.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
