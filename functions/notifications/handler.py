"""Lambda entry of the notifications group: wiring only."""

from mangum import Mangum

from functions.notifications.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
