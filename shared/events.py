"""Domain events on the EventBridge bus (`job.phase.completed`, `approval.requested`, ...).

The job's own event log in DynamoDB is the record; the bus carries the same facts to
webhooks, triggers and notifications. A failed put is logged, never fatal to the job.
"""

from __future__ import annotations

import json
from typing import Any

from shared.aws import client
from shared.observability import logger
from shared.settings import get_settings

SOURCE = "software-factory"


def publish(detail_type: str, detail: dict[str, Any]) -> bool:
    entry = {
        "Source": SOURCE,
        "DetailType": detail_type,
        "Detail": json.dumps(detail, default=str),
        "EventBusName": get_settings().event_bus_name,
    }
    try:
        answer = client("events").put_events(Entries=[entry])
    except Exception:  # the bus is not the record; the job's event log is
        logger.exception("could not publish event", extra={"detail_type": detail_type})
        return False
    if answer.get("FailedEntryCount"):
        logger.error(
            "event rejected by the bus",
            extra={"detail_type": detail_type, "entries": answer.get("Entries")},
        )
        return False
    return True
