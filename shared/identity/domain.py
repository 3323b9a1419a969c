"""Identity as the stores answer it: accounts, credentials, sessions, invitations.

The stored items (`shared.identity.models`) also hold password hashes, TOTP secrets and
credential hashes. What a route gets (`User`, `Credential`, `AuditRecord`) carries none of
them, so it cannot leak one; the secrets a rule checks travel apart, in objects only the
auth services see (`Account`, `HashedCredential`, `Session`, `Invitation`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # storage stays out of this module's imports
    from shared.identity.models import (
        AuditItem,
        CredentialItem,
        InvitationItem,
        SessionItem,
        UserItem,
    )


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
class Account:
    """An account with what signing in and MFA check: for the auth services only; a route
    gets `user`. `version` is the stored item's, for a write conditioned on it."""

    user: User
    password_hash: str = field(repr=False)
    totp_secret: str | None = field(repr=False)
    # Set by MFA setup, becomes totp_secret when a first code proves the user has it.
    pending_totp_secret: str | None = field(repr=False)
    # The last TOTP time step accepted: a code is good once.
    totp_last_step: int
    version: int

    @classmethod
    def of(cls, item: UserItem) -> Account:
        return cls(
            user=User.of(item),
            password_hash=item.password_hash,
            totp_secret=item.totp_secret,
            pending_totp_secret=item.pending_totp_secret,
            totp_last_step=int(item.totp_last_step or 0),
            version=int(item.version or 0),
        )


@dataclass(frozen=True, slots=True)
class Session:
    """A refresh-token family: one sign-in and every rotation of its refresh token."""

    family_id: str
    team_id: str
    user_id: str
    current_hash: str = field(repr=False)
    # The latest refresh tokens rotated away, oldest first.
    used_hashes: tuple[str, ...] = field(repr=False)
    revoked: bool
    expires_at: datetime | None

    @classmethod
    def of(cls, item: SessionItem) -> Session:
        return cls(
            family_id=item.family_id,
            team_id=item.team_id,
            user_id=item.user_id,
            current_hash=item.current_hash,
            used_hashes=tuple(str(digest) for digest in item.used_hashes or ()),
            revoked=bool(item.revoked),
            expires_at=item.expires_at,
        )


@dataclass(frozen=True, slots=True)
class Invitation:
    """An invitation to join a team; `version` is the stored item's, so accepting it is
    conditioned on the invitation being as read."""

    invitation_id: str
    team_id: str
    email: str
    role: str
    invited_by: str
    expires_at: datetime | None
    accepted_by: str | None
    secret_hash: str = field(repr=False)
    version: int

    @classmethod
    def of(cls, item: InvitationItem) -> Invitation:
        return cls(
            invitation_id=item.invitation_id,
            team_id=item.team_id,
            email=item.email,
            role=item.role,
            invited_by=item.invited_by,
            expires_at=item.expires_at,
            accepted_by=item.accepted_by,
            secret_hash=item.secret_hash,
            version=int(item.version or 0),
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
class HashedCredential:
    """A credential with the hash a presented secret is compared with (never listed)."""

    credential: Credential
    secret_hash: str = field(repr=False)

    @classmethod
    def of(cls, item: CredentialItem) -> HashedCredential:
        return cls(Credential.of(item), item.secret_hash)


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
