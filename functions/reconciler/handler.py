"""Lambda entry of the reconciler (EventBridge Scheduler, every few minutes): wiring only."""

from dataclasses import asdict
from typing import Any

from functions.reconciler.service import reconcile
from shared.observability import lambda_entry


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"fixed": [asdict(fix) for fix in reconcile()]}


handler = lambda_entry(_handler)
