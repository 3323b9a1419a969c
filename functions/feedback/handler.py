"""Lambda entry of the feedback group (ratings of listed products): wiring only."""

from mangum import Mangum

from functions.feedback.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
