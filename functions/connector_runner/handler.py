"""Lambda entry of the connector_runner (invoked synchronously by shared/connectors/client.py):
wiring only. See shared/connectors/worker.py."""

from shared.connectors.worker import handle
from shared.observability import lambda_entry


def _handler(event: dict, context: object) -> dict:
    return handle(event)


handler = lambda_entry(_handler)
