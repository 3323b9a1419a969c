"""Raising the limit a call hit, by the name `BudgetExceeded` gave it: what approving a
job's budget approval with a new limit does."""

from __future__ import annotations

from shared.costs import budgets
from shared.errors import Unprocessable

TEAM_DAILY = "Team daily budget"
TEAM_MONTHLY = "Team monthly budget"
USER_MONTHLY = "User monthly allowance"
LIMITS = (TEAM_DAILY, TEAM_MONTHLY, USER_MONTHLY)


def raise_limit(team_id: str, user_id: str, limit: str, new_limit_usd: float) -> None:
    """Set the limit named `limit` (the user's own allowance for USER_MONTHLY) to
    `new_limit_usd`; the other limits and the alert thresholds stay as they are."""
    if limit == USER_MONTHLY:
        budgets.set_allowance(
            team_id, user_id, budgets.AllowanceUpdate(monthly_allowance=new_limit_usd)
        )
        return
    if limit not in (TEAM_DAILY, TEAM_MONTHLY):
        raise Unprocessable(f"unknown limit '{limit}'")
    if limit == TEAM_DAILY:
        budgets.update_budget(team_id, daily_limit=new_limit_usd)
    else:
        budgets.update_budget(team_id, monthly_limit=new_limit_usd)
