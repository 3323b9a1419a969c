"""Lambda entry of the approvals group: wiring only."""

from mangum import Mangum

from functions.approvals.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
