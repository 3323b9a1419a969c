"""What telemetry code hands around."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

# A batch's body is at most this many bytes (413 above, before it is parsed).
MAX_BATCH_BYTES: Final = 64 * 1024
MAX_EVENTS: Final = 100
# A summary covers at most this many days back.
MAX_SUMMARY_DAYS: Final = 90
# Counters outlive their day by this much (then TTL removes them).
KEPT_DAYS: Final = 400


@dataclass(frozen=True, slots=True)
class TelemetryEvent:
    name: str
    product_id: str
    session_id: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    name: str
    count: int
