"""Budget and allowance storage: domain objects in and out, one item each.

    costs table:  pk = TEAM#<team>  sk = BUDGET                the team's limits
                                    sk = ALLOWANCE#<user id>   a user's monthly allowance

A budget write is conditioned on the version it was read at (PynamoDB's version
attribute), or on there being no budget yet: a write that lost a race raises `LostRace`,
for `shared.costs.budget_updates` to read and apply again. An allowance is changed field by
field (the allowance, its period's offset, its reset date: shared.costs.allowances), last
writer wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from shared.costs.amounts import micros_to_usd, usd_to_micros
from shared.costs.domain import Allowance, Budget
from shared.costs.models import BUDGET, AllowanceItem, BudgetItem, allowance_key
from shared.costs.rollups import AllowanceState
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.batch import ItemKey
from shared.db.versioned import lost_race
from shared.errors import Conflict
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
        reset_at=item.reset_at,
        updated_at=item.updated_at,
    )


def allowance_state(item: AllowanceItem | None) -> AllowanceState:
    """The period an allowance item describes (shared.costs.allowances' rules read it)."""
    if item is None:
        return AllowanceState()
    limit, offset = item.monthly_allowance_micros, item.usage_offset_micros
    return AllowanceState(
        allowance_micros=None if limit is None else int(limit),
        offset_micros=0 if offset is None else int(offset),
        offset_month=item.offset_month,
        reset_at=item.reset_at,
    )


def get_allowance(team_id: str, user_id: str) -> Allowance:
    return _allowance(
        user_id, get_or_none(AllowanceItem, team_partition(team_id), allowance_key(user_id))
    )


def read_allowance_state(team_id: str, user_id: str) -> AllowanceState:
    """Strongly consistent: a change of the period is computed from it."""
    return allowance_state(
        get_or_none(AllowanceItem, team_partition(team_id), allowance_key(user_id), consistent=True)
    )


def _update_allowance(
    team_id: str, user_id: str, actions: list[Action], condition: Condition | None = None
) -> AllowanceItem:
    """One UpdateItem of the user's allowance item (created by the first): each field is
    changed on its own, so a change of the allowance keeps the period's offset and date."""
    item = AllowanceItem(team_partition(team_id), allowance_key(user_id))
    with storage_errors("allowance"):
        item.update(
            actions=[
                *actions,
                AllowanceItem.team_id.set(team_id),
                AllowanceItem.user_id.set(user_id),
                AllowanceItem.updated_at.set(utcnow()),
            ],
            condition=condition,
            add_version_condition=False,  # last writer wins, field by field
        )
    return item


def set_allowance(team_id: str, user_id: str, monthly_allowance: float | None) -> Allowance:
    """Set a user's monthly allowance in USD (None: unlimited)."""
    micros = _micros_or_none(monthly_allowance)
    action = (
        AllowanceItem.monthly_allowance_micros.remove()
        if micros is None
        else AllowanceItem.monthly_allowance_micros.set(micros)
    )
    return _allowance(user_id, _update_allowance(team_id, user_id, [action]))


def set_usage_offset(team_id: str, user_id: str, offset_micros: int, month: str) -> Allowance:
    """Take `offset_micros` off the user's spend of `month` (a reset, or a remaining
    amount set)."""
    actions: list[Action] = [
        AllowanceItem.usage_offset_micros.set(offset_micros),
        AllowanceItem.offset_month.set(month),
    ]
    return _allowance(user_id, _update_allowance(team_id, user_id, actions))


def set_reset_at(team_id: str, user_id: str, reset_at: datetime | None) -> Allowance:
    """The allowance's explicit next reset (None: the next UTC month's start)."""
    action = (
        AllowanceItem.reset_at.remove()
        if reset_at is None
        else AllowanceItem.reset_at.set(reset_at)
    )
    return _allowance(user_id, _update_allowance(team_id, user_id, [action]))


def apply_reset_date(
    team_id: str, user_id: str, offset_micros: int, month: str, *, due: datetime
) -> None:
    """Apply the explicit reset date `due`: the offset set and the date cleared, only if
    `due` is still the stored date (a concurrent check applied it already: nothing)."""
    actions: list[Action] = [
        AllowanceItem.usage_offset_micros.set(offset_micros),
        AllowanceItem.offset_month.set(month),
        AllowanceItem.reset_at.remove(),
    ]
    try:
        _update_allowance(team_id, user_id, actions, AllowanceItem.reset_at == due)
    except Conflict:
        return
