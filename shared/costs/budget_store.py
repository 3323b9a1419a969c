"""Budget and allowance storage: domain objects in and out, one item each.

    costs table:  pk = TEAM#<team>  sk = BUDGET                the team's limits
                                    sk = ALLOWANCE#<user id>   a user's monthly allowance

A budget write is conditioned on the version it was read at (PynamoDB's version
attribute), or on there being no budget yet: a write that lost a race raises `LostRace`,
for `shared.costs.budget_updates` to read and apply again. An allowance is replaced whole,
last writer wins: nothing reads one to change part of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.costs.amounts import micros_to_usd, usd_to_micros
from shared.costs.domain import Allowance, Budget
from shared.costs.models import BUDGET, AllowanceItem, BudgetItem, allowance_key
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.batch import ItemKey
from shared.db.versioned import lost_race
from shared.ids import utcnow


def _usd_or_none(micros: int | float | None) -> float | None:
    return None if micros is None else micros_to_usd(int(micros))


def _micros_or_none(usd: float | None) -> int | None:
    return None if usd is None else usd_to_micros(usd)


def _budget(item: BudgetItem | None) -> Budget:
    if item is None:
        return Budget()  # unlimited, with the default thresholds
    return Budget(
        monthly_limit=_usd_or_none(item.monthly_limit_micros),
        daily_limit=_usd_or_none(item.daily_limit_micros),
        alert_thresholds=sorted(int(t) for t in item.alert_thresholds or ()),
        updated_at=item.updated_at,
        version=item.version,
    )


def budget_key(team_id: str) -> ItemKey:
    """The budget's key, for a caller that reads it in a batch of its own (the team
    settings read it with theirs) and hands the answer to `get_budget(read=...)`."""
    return (BudgetItem, team_partition(team_id), BUDGET)


def get_budget(
    team_id: str, *, consistent: bool = False, read: Mapping[ItemKey, Any] | None = None
) -> Budget:
    """The team's budget; a team that never set one is unlimited with the default
    thresholds (and no version). `consistent`: for a read a write is about to be
    conditioned on. `read`: a batch read's answer holding `budget_key`; no request."""
    if read is not None:
        return _budget(read.get(budget_key(team_id)))
    return _budget(get_or_none(BudgetItem, team_partition(team_id), BUDGET, consistent=consistent))


def save_budget(team_id: str, budget: Budget) -> Budget:
    """Write `budget` if the stored one is still at `budget.version` (absent, for None);
    answers it as stored. LostRace when another write landed since it was read."""
    item = BudgetItem(
        team_partition(team_id),
        BUDGET,
        team_id=team_id,
        monthly_limit_micros=_micros_or_none(budget.monthly_limit),
        daily_limit_micros=_micros_or_none(budget.daily_limit),
        # DynamoDB has no empty set: no thresholds is no attribute.
        alert_thresholds=set(budget.alert_thresholds) or None,
        updated_at=utcnow(),
    )
    if budget.version is not None:
        item.version = budget.version
    with lost_race(), storage_errors("budget"):
        item.save()  # conditioned on the version read (or on no item), then one higher
    return _budget(item)


def _allowance(user_id: str, item: AllowanceItem | None) -> Allowance:
    if item is None:
        return Allowance(user_id=user_id)
    return Allowance(
        user_id=user_id,
        monthly_allowance=_usd_or_none(item.monthly_allowance_micros),
        updated_at=item.updated_at,
    )


def get_allowance(team_id: str, user_id: str) -> Allowance:
    return _allowance(
        user_id, get_or_none(AllowanceItem, team_partition(team_id), allowance_key(user_id))
    )


def set_allowance(team_id: str, user_id: str, monthly_allowance: float | None) -> Allowance:
    """Set a user's monthly allowance in USD (None: unlimited)."""
    item = AllowanceItem(
        team_partition(team_id),
        allowance_key(user_id),
        team_id=team_id,
        user_id=user_id,
        monthly_allowance_micros=_micros_or_none(monthly_allowance),
        updated_at=utcnow(),
    )
    with storage_errors("allowance"):
        item.save(add_version_condition=False)  # replaced whole: last writer wins
    return _allowance(user_id, item)
