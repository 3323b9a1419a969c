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

from shared.costs.models import (
    BUDGET,
    AllowanceItem,
    BudgetItem,
    RollupItem,
    allowance_key,
    cost_keys,
    day_key,
    micros_to_usd,
    month_key,
    user_month_key,
)
from shared.db.batch import ItemKey, get_many
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


def _spent(items: Mapping[str, Any], key: str) -> int:
    rollup: RollupItem | None = items.get(key)
    return 0 if rollup is None else int(rollup.cost_micros)


def _limit(item: BudgetItem | AllowanceItem | None, attribute: str) -> int | None:
    value = None if item is None else getattr(item, attribute)
    return None if value is None else int(value)


def _fired(items: Mapping[str, Any], key: str) -> frozenset[int]:
    rollup: RollupItem | None = items.get(key)
    fired = None if rollup is None else rollup.alerts_fired
    return frozenset(int(t) for t in fired or ())


def seen_in(items: Mapping[str, Any], day: date) -> BudgetSeen:
    """The alerts' view of cost items by sort key (a `load_many` answer) holding the budget
    and the day's and month's rollups."""
    budget: BudgetItem | None = items.get(BUDGET)
    thresholds = () if budget is None else budget.alert_thresholds or ()
    today, month = day_key(day), month_key(day)
    return BudgetSeen(
        day=day,
        daily_limit_micros=_limit(budget, "daily_limit_micros"),
        monthly_limit_micros=_limit(budget, "monthly_limit_micros"),
        thresholds=tuple(sorted(int(t) for t in thresholds)),
        day_spent_micros=_spent(items, today),
        month_spent_micros=_spent(items, month),
        day_fired=_fired(items, today),
        month_fired=_fired(items, month),
    )


def budget_keys(team_id: str, user_id: str, now: datetime) -> list[ItemKey]:
    """What `check_budget` reads at `now`: for a caller that reads them in its own batch
    (the router adds its breakers) and hands the answer over as `read`."""
    day = now.astimezone(UTC).date()
    sort_keys = [BUDGET, allowance_key(user_id), day_key(day), month_key(day)]
    return cost_keys(team_id, [*sort_keys, user_month_key(user_id, day)])


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
    day = moment.astimezone(UTC).date()
    keys = budget_keys(team_id, user_id, moment)
    found = read if read is not None else get_many(keys)
    items = {key[2]: found[key] for key in keys if key in found}
    budget, allowance = items.get(BUDGET), items.get(allowance_key(user_id))
    checks = (
        (TEAM_DAILY, _limit(budget, "daily_limit_micros"), _spent(items, day_key(day))),
        (TEAM_MONTHLY, _limit(budget, "monthly_limit_micros"), _spent(items, month_key(day))),
        (
            USER_MONTHLY,
            _limit(allowance, "monthly_allowance_micros"),
            _spent(items, user_month_key(user_id, day)),
        ),
    )
    for name, limit, spent in checks:
        if limit is not None and (spent >= limit or spent + estimated_cost_micros > limit):
            raise BudgetExceeded(
                name,
                micros_to_usd(spent),
                micros_to_usd(limit),
                micros_to_usd(estimated_cost_micros),
            )
    return seen_in(items, day)
