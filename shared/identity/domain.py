"""Identity as the services hand it on: accounts and credentials without their secrets.

The stored items (`shared.identity.models`) also hold password hashes, TOTP secrets and
credential hashes; these objects carry none of them, so what a route gets cannot leak one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # storage stays out of this module's imports
    from shared.identity.models import AuditItem, CredentialItem, UserItem


@dataclass(frozen=True, slots=True)
class User:
    """One of a team's accounts."""

    user_id: str
    team_id: str
    email: str
    full_name: str
    role: str
    disabled: bool
    mfa_enabled: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, item: UserItem) -> User:
        return cls(
            user_id=item.user_id,
            team_id=item.team_id,
            email=item.email,
            full_name=item.full_name,
            role=item.role,
            disabled=bool(item.disabled),
            mfa_enabled=bool(item.mfa_enabled),
            created_at=item.created_at,
            last_login_at=item.last_login_at,
        )


@dataclass(frozen=True, slots=True)
class Credential:
    """An API key or an agent token, as listed: its hash is never handed on."""

    credential_id: str
    team_id: str
    kind: str  # api_key | agent_token
    name: str
    prefix: str
    role: str
    scopes: frozenset[str]
    agent_id: str | None
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, item: CredentialItem) -> Credential:
        return cls(
            credential_id=item.credential_id,
            team_id=item.team_id,
            kind=item.kind,
            name=item.name,
            prefix=item.prefix,
            role=item.role,
            scopes=frozenset(item.scopes or ()),
            agent_id=item.agent_id,
            created_by=item.created_by,
            created_at=item.created_at,
            last_used_at=item.last_used_at,
            revoked_at=item.revoked_at,
        )


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One entry of a team's audit log."""

    entry_id: str
    at: datetime
    action: str
    outcome: str  # ok | denied | failed
    actor: str
    target: str | None
    ip: str | None
    detail: dict[str, Any]

    @classmethod
    def of(cls, item: AuditItem) -> AuditRecord:
        return cls(
            entry_id=item.entry_id,
            at=item.at,
            action=item.action,
            outcome=item.outcome,
            actor=item.actor,
            target=item.target,
            ip=item.ip,
            detail=dict(item.detail or {}),
        )
