"""Lambda entry of the marketing group (highlights, share cards, subscriptions): wiring only."""

from mangum import Mangum

from functions.marketing.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
