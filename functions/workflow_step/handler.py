"""Lambda entry of the workflow step worker (invoked by Step Functions): wiring only."""

from typing import Any

from functions.workflow_step.worker import handle
from shared.observability import lambda_entry


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event)


handler = lambda_entry(_handler)
