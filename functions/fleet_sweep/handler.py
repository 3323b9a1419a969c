"""Lambda entry of the fleet sweep (EventBridge Scheduler, every minute): wiring only."""

from dataclasses import asdict
from typing import Any

from shared.fleet.sweep import sweep
from shared.observability import lambda_entry


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"offline": [asdict(swept) for swept in sweep()]}


handler = lambda_entry(_handler)
