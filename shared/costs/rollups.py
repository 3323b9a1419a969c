"""What the costs stores read from the rollups: one rollup's totals, and the budget with
what a day, its month and a user's month have spent. Integer micro-dollars, as stored.

Named tuples, not dataclasses: the cost pages' groups import these at cold start, and a
named tuple's class is built in a seventh of a frozen dataclass's time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple


class AllowanceState(NamedTuple):
    """What a user's allowance item says of its period, in micro-dollars: the allowance
    (None: unlimited), the offset taken off `offset_month`'s spend, an explicit reset date
    (shared.costs.allowances)."""

    allowance_micros: int | None = None
    offset_micros: int = 0
    offset_month: str | None = None
    reset_at: datetime | None = None


class Spend(NamedTuple):
    """The team's limits and what one UTC day and its month (and a user's month) have
    spent, as one read found them: what a budget check and the alerts decide on."""

    day: date
    daily_limit_micros: int | None  # None: unlimited
    monthly_limit_micros: int | None
    thresholds: tuple[int, ...]  # ascending percents
    day_spent_micros: int
    month_spent_micros: int
    # Thresholds already announced for the day and the month (they are never unmarked).
    day_fired: frozenset[int]
    month_fired: frozenset[int]
    # The user's, when the read was for one (None: unlimited, or no user read).
    allowance_micros: int | None = None
    user_month_spent_micros: int = 0
    # The allowance item's period: its offset and explicit reset date.
    allowance: AllowanceState = AllowanceState()


class Rollup(NamedTuple):
    """The running totals of one slice of the ledger: a provider, model, agent, job, day,
    month or user-month (`label` names it). Tokens None: its calls counted none."""

    label: str
    cost_micros: int
    calls: int
    tokens_in: int | None
    tokens_out: int | None
    updated_at: datetime | None  # the time of its latest call


class LedgerCall(NamedTuple):
    """One call of the ledger as stored (`CALL#<id>`: ids sort by time)."""

    call_id: str
    at: datetime
    user_id: str
    agent_id: str | None
    job_id: str | None
    provider: str
    model: str
    tokens_in: int | None
    tokens_out: int | None
    cost_micros: int
