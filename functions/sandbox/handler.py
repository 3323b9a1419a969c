"""Lambda entry of the sandbox (invoked synchronously by the groups that run user code):
wiring only. See shared/sandbox/worker.py."""

from shared.observability import lambda_entry
from shared.sandbox.worker import handle


def _handler(event: dict, context: object) -> dict:
    return handle(event)


handler = lambda_entry(_handler)
