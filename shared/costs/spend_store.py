"""What a budget check and the budget alerts read and mark: the team's limits and what a
day, its month and a user's month have spent, in one BatchGetItem; a threshold's
announcement, marked on its period's rollup.

    costs table:  pk = TEAM#<team>  sk = BUDGET, ALLOWANCE#<user>, ROLLUP#DAY#..., ROLLUP#MONTH#...,
                                    ROLLUP#USERMONTH#<user>#<month>  (models.py)

Reads are strongly consistent: a check and the alerts must see the calls just recorded. A
caller that reads more in the same request (the router adds its breakers and clients)
asks `spend_keys` for the keys and hands its answer to `read_spend(read=...)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pynamodb.exceptions import UpdateError

from shared.costs import budget_store
from shared.costs.models import (
    BUDGET,
    AllowanceItem,
    BudgetItem,
    RollupItem,
    allowance_key,
    cost_keys,
    day_key,
    month_key,
    user_month_key,
)
from shared.costs.rollups import Spend
from shared.db.base import team_partition
from shared.db.batch import ItemKey, get_many
from shared.errors import ServiceUnavailable


def _sort_keys(day: date, user_id: str | None) -> list[str]:
    if user_id is None:
        return [BUDGET, day_key(day), month_key(day)]
    return [
        BUDGET,
        allowance_key(user_id),
        day_key(day),
        month_key(day),
        user_month_key(user_id, day),
    ]


def spend_keys(team_id: str, day: date, user_id: str | None = None) -> list[ItemKey]:
    """The keys `read_spend` reads for `day` (and `user_id`'s allowance and month)."""
    return cost_keys(team_id, _sort_keys(day, user_id))


def _spent(rollup: RollupItem | None) -> int:
    return 0 if rollup is None else int(rollup.cost_micros)


def _fired(rollup: RollupItem | None) -> frozenset[int]:
    fired = None if rollup is None else rollup.alerts_fired
    return frozenset(int(t) for t in fired or ())


def _micros(value: float | None) -> int | None:
    return None if value is None else int(value)


def read_spend(
    team_id: str,
    day: date,
    user_id: str | None = None,
    *,
    read: Mapping[ItemKey, Any] | None = None,
) -> Spend:
    """The budget, and what `day`, its month (and `user_id`'s month, with their allowance)
    have spent: one BatchGetItem, or none when `read` answers a batch holding `spend_keys`
    of the same day and user."""
    keys = spend_keys(team_id, day, user_id)
    found = read if read is not None else get_many(keys)
    items = {key[2]: found[key] for key in keys if key in found}
    budget: BudgetItem | None = items.get(BUDGET)
    day_rollup: RollupItem | None = items.get(day_key(day))
    month_rollup: RollupItem | None = items.get(month_key(day))
    allowance: AllowanceItem | None = None
    user_month: RollupItem | None = None
    if user_id is not None:
        allowance = items.get(allowance_key(user_id))
        user_month = items.get(user_month_key(user_id, day))
    return Spend(
        day=day,
        daily_limit_micros=None if budget is None else _micros(budget.daily_limit_micros),
        monthly_limit_micros=None if budget is None else _micros(budget.monthly_limit_micros),
        thresholds=tuple(
            sorted(int(t) for t in (() if budget is None else budget.alert_thresholds or ()))
        ),
        day_spent_micros=_spent(day_rollup),
        month_spent_micros=_spent(month_rollup),
        day_fired=_fired(day_rollup),
        month_fired=_fired(month_rollup),
        allowance_micros=None if allowance is None else _micros(allowance.monthly_allowance_micros),
        user_month_spent_micros=_spent(user_month),
        allowance=budget_store.allowance_state(allowance),
    )


type Period = Literal["day", "month"]


def claim_threshold(
    team_id: str, period: Period, day: date, threshold: int, reached_micros: int
) -> int | None:
    """Mark `threshold` announced on the rollup of `period` ("day" or "month") of `day`, if
    its stored spend has reached `reached_micros`: one conditional UpdateItem. Answers that
    spend; None when another caller marked it first, or the spend is not there (an estimate
    counted a retried call twice, say): the stored figure, not the caller's sum, decides."""
    key = day_key(day) if period == "day" else month_key(day)
    rollup = RollupItem(team_partition(team_id), key)
    try:
        rollup.update(
            actions=[RollupItem.alerts_fired.add({threshold})],
            condition=RollupItem.sk.exists()
            & ~RollupItem.alerts_fired.contains(threshold)
            & (RollupItem.cost_micros >= reached_micros),
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise ServiceUnavailable("Storage is unavailable; try again shortly") from exc
    return int(rollup.cost_micros)  # UpdateItem answered the item as it now is
