"""Lambda entry of the SSH runner (invoked synchronously by the ssh group): wiring only.
See shared/ssh/runner.py."""

from shared.observability import lambda_entry
from shared.ssh.runner import handle


def _handler(event: dict, context: object) -> dict:
    return handle(event)


handler = lambda_entry(_handler)
