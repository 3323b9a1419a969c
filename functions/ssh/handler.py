"""Lambda entry of the ssh group: wiring only."""

from mangum import Mangum

from functions.ssh.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
