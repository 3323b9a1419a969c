"""How circuit breakers are stored: one item per team and provider in the providers table.

    pk = TEAM#<team>   sk = BREAKER#<provider>

No item means a closed breaker with no failures, so a healthy provider costs a read per
check and never a write. Times are the breaker's own clock (`now=` in shared.llm.breaker)
stored as UTC date-times, like every other item's. The reads and writes are the store's
(shared.llm.breaker.store).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import TeamItem, table_meta, team_partition
from shared.llm.breaker.domain import CLOSED, STATES, BreakerState


def breaker_key(provider: str = "") -> str:
    return f"BREAKER#{provider}"


class BreakerItem(TeamItem):
    Meta = table_meta("providers")

    provider = UnicodeAttribute()
    state = UnicodeAttribute(default=CLOSED)
    # Failures counted while closed, none more than a window after the one before it
    # (shared.llm.breaker.calls.record_failure); the last of them was counted at
    # last_failure_at (stored under its older name: the window then began at the first).
    failures = NumberAttribute(default=0)
    last_failure_at = UTCDateTimeAttribute(null=True, attr_name="window_started_at")
    opened_at = UTCDateTimeAttribute(null=True)
    # Half-open lets one call through; a probe older than the cooldown may be replaced.
    probe_started_at = UTCDateTimeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    # Set by an operator (force-open): held open until force-close or reset.
    forced = BooleanAttribute(default=False)

    @property
    def current(self) -> BreakerState:
        """The state as stored; anything unknown reads as closed."""
        return STATES.get(self.state, CLOSED)


def item_key(team_id: str, provider: str) -> tuple[type[BreakerItem], str, str]:
    """The breaker's key, for a caller that reads it in a batch with other items."""
    return BreakerItem, team_partition(team_id), breaker_key(provider)
