"""How circuit breakers are stored, and the only code that reads or writes them: one item
per team and provider in the providers table.

    pk = TEAM#<team>   sk = BREAKER#<provider>

No item means a closed breaker with no failures, so a healthy provider costs a read per
check and never a write. Times are the breaker's own clock (`now=` in shared.llm.breaker)
stored as UTC date-times, like every other item's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from shared.db.base import TeamItem, get_or_none, storage_errors, table_meta, team_partition
from shared.errors import Conflict

BreakerState = Literal["closed", "open", "half_open"]
CLOSED: BreakerState = "closed"
OPEN: BreakerState = "open"
HALF_OPEN: BreakerState = "half_open"
_STATES: dict[str, BreakerState] = {CLOSED: CLOSED, OPEN: OPEN, HALF_OPEN: HALF_OPEN}


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
        return _STATES.get(self.state, CLOSED)


def item_key(team_id: str, provider: str) -> tuple[type[BreakerItem], str, str]:
    """The breaker's key, for a caller that reads it in a batch with other items."""
    return BreakerItem, team_partition(team_id), breaker_key(provider)


def from_read(found: Mapping[Any, Any], team_id: str, provider: str) -> BreakerItem:
    """The breaker in the answer to a batch read that asked for its `item_key` (a blank
    one when nothing is stored)."""
    stored: BreakerItem | None = found.get(item_key(team_id, provider))
    return stored if stored is not None else blank(team_id, provider)


def blank(team_id: str, provider: str) -> BreakerItem:
    """An unsaved closed breaker (version None): what no stored item means."""
    return BreakerItem(
        team_partition(team_id), breaker_key(provider), team_id=team_id, provider=provider
    )


def read(team_id: str, provider: str, *, consistent: bool = False) -> BreakerItem:
    """The stored breaker, or a blank one when there is none."""
    found = get_or_none(
        BreakerItem, team_partition(team_id), breaker_key(provider), consistent=consistent
    )
    return found if found is not None else blank(team_id, provider)


def read_team(team_id: str) -> list[BreakerItem]:
    """The team's stored breakers, by provider name (one Query on the team's partition)."""
    with storage_errors("circuit breaker"):
        return list(
            BreakerItem.query(team_partition(team_id), BreakerItem.sk.startswith(breaker_key()))
        )


def stamp(item: BreakerItem, moment: float) -> list[Action]:
    """updated_at on every write; a write that creates the item (UpdateItem does) names it."""
    at = as_datetime(moment)
    actions: list[Action] = [BreakerItem.updated_at.set(at)]
    if item.version is None:
        actions += [
            BreakerItem.team_id.set(item.team_id),
            BreakerItem.provider.set(item.provider),
            BreakerItem.created_at.set(BreakerItem.created_at | at),
        ]
    return actions


def write(
    item: BreakerItem,
    actions: list[Action],
    condition: Condition | None = None,
    *,
    versioned: bool = True,
) -> bool:
    """Apply `actions` if `condition` holds (and, when `versioned`, the item is as read;
    an item never stored must still not exist). False when another instance got there
    first; otherwise `item` now holds the item as stored (UpdateItem answers it)."""
    try:
        with storage_errors("circuit breaker"):
            item.update(actions=actions, condition=condition, add_version_condition=versioned)
    except Conflict:  # storage_errors' name for a failed condition
        return False
    return True


def as_datetime(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)
