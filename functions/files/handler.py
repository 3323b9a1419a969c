"""Lambda entry of the files group: wiring only."""

from mangum import Mangum

from functions.files.app import app
from shared.observability import lambda_entry

handler = lambda_entry(Mangum(app, lifespan="off"))
