"""Lambda entry of the pipeline worker (invoked by Step Functions): wiring only."""

from typing import Any

from functions.pipeline.worker import handle
from shared.observability import lambda_entry


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event)


handler = lambda_entry(_handler)
