"""Lambda entry of the agents group: wiring only."""

from mangum import Mangum

from functions.agents.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
