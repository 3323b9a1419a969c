"""A breaker as its rules see it: the states, and the breaker as read (never the item)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]
CLOSED: BreakerState = "closed"
OPEN: BreakerState = "open"
HALF_OPEN: BreakerState = "half_open"
STATES: dict[str, BreakerState] = {CLOSED: CLOSED, OPEN: OPEN, HALF_OPEN: HALF_OPEN}


@dataclass(frozen=True, slots=True)
class Breaker:
    """One team's breaker of one provider, as stored (or a blank closed one, `version`
    None, when nothing is). The store's conditional writes check `version`, or the state
    and `last_failure_at` read here."""

    team_id: str
    provider: str
    state: BreakerState = CLOSED
    # Failures counted while closed, none more than a window after the one before it; the
    # last of them was counted at last_failure_at.
    failures: int = 0
    last_failure_at: datetime | None = None
    opened_at: datetime | None = None
    # Half-open lets one call through; a probe older than the cooldown may be replaced.
    probe_started_at: datetime | None = None
    last_error: str | None = None
    # Set by an operator (force-open): held open until force-close or reset.
    forced: bool = False
    version: int | None = None
    updated_at: datetime | None = None
