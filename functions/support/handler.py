"""Lambda entry of the support group (support chat, the seller's support queue): wiring only."""

from mangum import Mangum

from functions.support.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
