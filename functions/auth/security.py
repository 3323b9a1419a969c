"""Security administration (admins): the team's settings, password policy and sessions.
IP rules are shared.ip_rules.service's (the rest and hooks groups enforce them too).

Settings and policy are one item, changed conditionally on the version read (409 when
another admin changed it first); every change is audited. The password policy can raise
the floor of shared/identity/passwords.py, never lower it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from functions.auth import sessions
from shared import audit
from shared.auth import team_security
from shared.auth.principal import Principal
from shared.errors import Conflict, NotFound, Unprocessable
from shared.identity.domain import (
    PASSWORD_FLOOR_LENGTH,
    PASSWORD_FLOOR_UNIQUE,
    PASSWORD_MAX_LENGTH,
    PasswordPolicy,
    SecuritySettings,
    Session,
    TeamSecurity,
)
from shared.identity.store import security as store
from shared.identity.store import sessions as session_store
from shared.ids import utcnow
from shared.pagination import PageParams

MFA_FIRST = (
    "Enable MFA on your own account and sign in with it before requiring it for admins: "
    "this session would lose its admin rights"
)


def security(team_id: str) -> TeamSecurity:
    return store.get_security(team_id, consistent=True)


def _save(
    principal: Principal,
    current: TeamSecurity,
    settings: SecuritySettings,
    policy: PasswordPolicy,
) -> TeamSecurity:
    saved = store.save_security(
        principal.team_id,
        settings,
        policy,
        version=current.version,
        by=principal.subject,
        at=utcnow(),
    )
    team_security.remember(principal.team_id, settings.mfa_required_for_admins)
    return saved


def update_settings(principal: Principal, changes: Mapping[str, Any], ip: str) -> TeamSecurity:
    """Change the settings named in `changes` (fields of SecuritySettings); the others stay."""
    current = security(principal.team_id)
    settings = dataclasses.replace(current.settings, **changes)
    turning_on = settings.mfa_required_for_admins and not current.settings.mfa_required_for_admins
    if turning_on and principal.is_user and not principal.mfa:
        raise Conflict(MFA_FIRST)
    saved = _save(principal, current, settings, current.password_policy)
    audit.record(
        principal.team_id,
        "security.settings.update",
        actor=principal.subject,
        ip=ip,
        **dataclasses.asdict(settings),
    )
    return saved


def check_floor(policy: PasswordPolicy) -> None:
    """Unprocessable (422) naming the floor a policy would lower, or the maximum it passes."""
    if policy.min_length < PASSWORD_FLOOR_LENGTH:
        raise Unprocessable(
            f"min_length cannot be lower than the floor of {PASSWORD_FLOOR_LENGTH} characters"
        )
    if policy.min_length > PASSWORD_MAX_LENGTH:
        raise Unprocessable(f"min_length cannot be over the maximum of {PASSWORD_MAX_LENGTH}")
    if policy.min_unique_characters < PASSWORD_FLOOR_UNIQUE:
        raise Unprocessable(
            "min_unique_characters cannot be lower than the floor of "
            f"{PASSWORD_FLOOR_UNIQUE} different characters"
        )


def update_password_policy(
    principal: Principal, changes: Mapping[str, Any], ip: str
) -> TeamSecurity:
    """Change the policy's fields named in `changes`; the others stay. New passwords (a
    registration into the team, a change of password) must meet it; existing ones stand."""
    current = security(principal.team_id)
    policy = dataclasses.replace(current.password_policy, **changes)
    check_floor(policy)
    saved = _save(principal, current, current.settings, policy)
    audit.record(
        principal.team_id,
        "security.password_policy.update",
        actor=principal.subject,
        ip=ip,
        **dataclasses.asdict(policy),
    )
    return saved


def active_sessions(
    principal: Principal, params: PageParams, user_id: str | None
) -> tuple[list[Session], int, str | None]:
    return session_store.active_sessions_page(
        principal.team_id, params, now=utcnow(), user_id=user_id
    )


def revoke_session(principal: Principal, session_id: str, ip: str) -> None:
    """End a sign-in: its refresh token is refused from now on (an access token already
    issued from it runs out within access_token_minutes)."""
    if not sessions.revoke_family(principal.team_id, session_id, "revoked by an admin"):
        raise NotFound("session not found")
    audit.record(
        principal.team_id, "session.revoke", actor=principal.subject, target=session_id, ip=ip
    )
