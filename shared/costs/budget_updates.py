"""Changing a team's budget: read, change, write on the version read; again on a lost race.

Two writers of one budget (PUT /costs/budget, the settings' daily limit and thresholds, a
budget approval raising a limit) never lose each other's change: the one that lost the
race reads what the other wrote and applies its own change to it; after
`UPDATE_ATTEMPTS` lost races it is a Conflict (409) the caller may retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from shared.costs import budget_store
from shared.costs.amounts import DEFAULT_THRESHOLDS, sorted_thresholds
from shared.costs.domain import Budget
from shared.db.versioned import update_versioned


class _Unchanged:
    """`update_budget`'s default: the attribute keeps its stored value."""


UNCHANGED = _Unchanged()
# A budget change that lost a race with another write is read and applied again this often.
UPDATE_ATTEMPTS = 3


def update_budget(
    team_id: str,
    *,
    monthly_limit: float | _Unchanged | None = UNCHANGED,
    daily_limit: float | _Unchanged | None = UNCHANGED,
    alert_thresholds: list[int] | _Unchanged = UNCHANGED,
) -> Budget:
    """Change only the attributes given (limits in USD, None: unlimited; thresholds as
    percents), keeping the others as stored. A team with no budget yet gets one with the
    default thresholds, as an absent budget reads."""

    def change(budget: Budget) -> Budget:
        changes: dict[str, object] = {}
        if not isinstance(monthly_limit, _Unchanged):
            changes["monthly_limit"] = monthly_limit
        if not isinstance(daily_limit, _Unchanged):
            changes["daily_limit"] = daily_limit
        if not isinstance(alert_thresholds, _Unchanged):
            changes["alert_thresholds"] = sorted_thresholds(alert_thresholds)
        return budget_store.save_budget(team_id, budget.model_copy(update=changes))

    read = partial(budget_store.get_budget, team_id, consistent=True)
    return update_versioned(read, change, what="budget", attempts=UPDATE_ATTEMPTS)


def set_budget(
    team_id: str,
    *,
    monthly_limit: float | None = None,
    daily_limit: float | None = None,
    alert_thresholds: Sequence[int] = DEFAULT_THRESHOLDS,
) -> Budget:
    """Replace the team's budget whole, as PUT /costs/budget does (a limit left out or None
    is unlimited): an update of every attribute, so a write that lands in between is
    overwritten knowingly, never raced."""
    return update_budget(
        team_id,
        monthly_limit=monthly_limit,
        daily_limit=daily_limit,
        alert_thresholds=list(alert_thresholds),
    )
