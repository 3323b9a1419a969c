"""The check before an LLM call: refuse it when it would go over a limit.

The router's order: `check_budget` before a call (one BatchGetItem; `BudgetExceeded`, 402,
when a limit would be exceeded), `record_call` after it, then
`shared.costs.alerts.alerts_after`, handed what the check read (`BudgetSeen`) and the
call's cost, so the alerts need no read of their own.

Amounts are integer micro-dollars here; days and months are UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from shared.costs import allowances, spend_store
from shared.costs.amounts import micros_to_usd
from shared.costs.rollups import Spend
from shared.db.batch import ItemKey
from shared.errors import BudgetExceeded
from shared.ids import utcnow

# The names BudgetExceeded gives the limits (a budget approval raises one by its name).
TEAM_DAILY = "Team daily budget"
TEAM_MONTHLY = "Team monthly budget"
USER_MONTHLY = "User monthly allowance"


@dataclass(frozen=True, slots=True)
class BudgetSeen:
    """The team's budget and its day's and month's spend as one read found them: what
    `alerts_after` needs, so that a caller that just read them need not read them again."""

    day: date  # UTC; the day and month the spend is of
    daily_limit_micros: int | None
    monthly_limit_micros: int | None
    thresholds: tuple[int, ...]  # ascending percents
    day_spent_micros: int
    month_spent_micros: int
    # Thresholds already announced for the day and the month (they are never unmarked).
    day_fired: frozenset[int]
    month_fired: frozenset[int]

    @property
    def alerting(self) -> bool:
        """Could any threshold ever be announced? Not without a positive limit."""
        return bool(self.thresholds) and bool(self.daily_limit_micros or self.monthly_limit_micros)


def seen_in(spend: Spend) -> BudgetSeen:
    """The alerts' view of what a read of the budget and the day's and month's rollups
    found."""
    return BudgetSeen(
        day=spend.day,
        daily_limit_micros=spend.daily_limit_micros,
        monthly_limit_micros=spend.monthly_limit_micros,
        thresholds=spend.thresholds,
        day_spent_micros=spend.day_spent_micros,
        month_spent_micros=spend.month_spent_micros,
        day_fired=spend.day_fired,
        month_fired=spend.month_fired,
    )


def budget_keys(team_id: str, user_id: str, now: datetime) -> list[ItemKey]:
    """What `check_budget` reads at `now`: for a caller that reads them in its own batch
    (the router adds its breakers) and hands the answer over as `read`."""
    return spend_store.spend_keys(team_id, now.astimezone(UTC).date(), user_id)


def check_budget(
    team_id: str,
    user_id: str,
    estimated_cost_micros: int,
    now: datetime | None = None,
    *,
    read: Mapping[ItemKey, Any] | None = None,
) -> BudgetSeen:
    """Refuse a call that would go over a limit (`BudgetExceeded`); else what was read,
    for `alerts_after(..., seen=...)` once the call is recorded.

    One BatchGetItem (budget, allowance, today's, this month's and the user's month
    rollups), or none when `read` holds the answer to a batch read of `budget_keys` at the
    same `now`. A limit is refused once spent, or when spent plus the estimate is over it;
    the team's daily budget is checked first, then its monthly one, then the allowance.
    Concurrent calls may each pass and together overshoot by at most their own costs.
    """
    if estimated_cost_micros < 0:
        raise ValueError("the estimated cost cannot be negative")
    moment = now or utcnow()
    spend = spend_store.read_spend(team_id, moment.astimezone(UTC).date(), user_id, read=read)
    # What counts against the allowance: the month's spend since its last reset.
    user_spent = allowances.period_spent(spend.allowance, spend.user_month_spent_micros, moment)
    allowances.reset_if_due(
        team_id, user_id, spend.allowance, spend.user_month_spent_micros, moment
    )
    checks = (
        (TEAM_DAILY, spend.daily_limit_micros, spend.day_spent_micros),
        (TEAM_MONTHLY, spend.monthly_limit_micros, spend.month_spent_micros),
        (USER_MONTHLY, spend.allowance_micros, user_spent),
    )
    for name, limit, spent in checks:
        if limit is not None and (spent >= limit or spent + estimated_cost_micros > limit):
            raise BudgetExceeded(
                name,
                micros_to_usd(spent),
                micros_to_usd(limit),
                micros_to_usd(estimated_cost_micros),
            )
    return seen_in(spend)
