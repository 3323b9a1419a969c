"""How circuit breakers are stored: one item per team and provider in the providers table.

    pk = TEAM#<team>   sk = BREAKER#<provider>

No item means a closed breaker with no failures, so a healthy provider costs a GetItem
per check and never a write. Times are the breaker's own clock (`now=` in shared.llm.breaker)
stored as UTC date-times, like every other item's.
"""

from __future__ import annotations

from typing import Literal

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import TeamItem, table_meta

BreakerState = Literal["closed", "open", "half_open"]
CLOSED: BreakerState = "closed"
OPEN: BreakerState = "open"
HALF_OPEN: BreakerState = "half_open"


def breaker_key(provider: str = "") -> str:
    return f"BREAKER#{provider}"


class BreakerItem(TeamItem):
    Meta = table_meta("providers")

    provider = UnicodeAttribute()
    state = UnicodeAttribute(default=CLOSED)
    # Failures counted while closed, in the window that began at window_started_at.
    failures = NumberAttribute(default=0)
    window_started_at = UTCDateTimeAttribute(null=True)
    opened_at = UTCDateTimeAttribute(null=True)
    # Half-open lets one call through; a probe older than the cooldown may be replaced.
    probe_started_at = UTCDateTimeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    # Set by an operator (force-open): held open until force-close or reset.
    forced = BooleanAttribute(default=False)
