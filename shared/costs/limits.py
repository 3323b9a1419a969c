"""Raising the limit a call hit, by the name `BudgetExceeded` gave it: what approving a
job's budget approval with a new limit does."""

from __future__ import annotations

from shared.costs import budget_store, budget_updates
from shared.costs.budget_check import TEAM_DAILY, TEAM_MONTHLY, USER_MONTHLY
from shared.errors import Unprocessable


def raise_limit(team_id: str, user_id: str, limit: str, new_limit_usd: float) -> None:
    """Set the limit named `limit` (the user's own allowance for USER_MONTHLY) to
    `new_limit_usd`; the other limits and the alert thresholds stay as they are."""
    if limit == USER_MONTHLY:
        budget_store.set_allowance(team_id, user_id, new_limit_usd)
    elif limit == TEAM_DAILY:
        budget_updates.update_budget(team_id, daily_limit=new_limit_usd)
    elif limit == TEAM_MONTHLY:
        budget_updates.update_budget(team_id, monthly_limit=new_limit_usd)
    else:
        raise Unprocessable(f"unknown limit '{limit}'")
