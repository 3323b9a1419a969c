"""Lambda entry of the ai_market group (the AI Market v1 protocol): wiring only."""

from mangum import Mangum

from functions.ai_market.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
