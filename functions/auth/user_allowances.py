"""Seed 002's admin form: PUT /admin/users/{id} also changes the account's allowance
(`monthlyAllowance`, `allowanceResetDate`, `spendRemaining`). The account is the auth
group's, the allowance the costs group's data: both through shared modules
(shared.costs.allowances keeps the allowance's rules for both groups), never the costs
group's own code."""

from __future__ import annotations

from functions.auth import team_admin
from shared import audit
from shared.auth.principal import Principal
from shared.costs import allowances
from shared.costs.allowance_fields import AllowanceChanges
from shared.identity.domain import User
from shared.identity.store import users as user_store


def update_user(
    principal: Principal,
    user_id: str,
    *,
    role: str | None,
    disabled: bool | None,
    full_name: str | None,
    changes: AllowanceChanges,
    ip: str | None,
) -> User:
    """The account's changes (team_admin.update_user) and its allowance's; the allowance's
    are checked before anything is written, so a refused form changes nothing."""
    if changes:
        user_store.ensure_user(principal.team_id, user_id)  # another team's id: NotFound
        allowances.check_changes(principal.team_id, user_id, changes)
    user = team_admin.update_user(
        principal, user_id, role=role, disabled=disabled, full_name=full_name, ip=ip
    )
    if changes:
        allowances.apply_changes(principal.team_id, user_id, changes)
        audit.record(
            principal.team_id,
            "allowance.update",
            actor=principal.subject,
            target=user_id,
            ip=ip,
            monthly_allowance=changes.monthly_allowance if changes.set_allowance else "unchanged",
            reset_at=(
                (changes.reset_at and changes.reset_at.isoformat())
                if changes.set_reset_date
                else "unchanged"
            ),
            spend_remaining=changes.spend_remaining,
        )
    return user
