"""Identity as the stores answer it: accounts, credentials, sessions, invitations.

The stored items (`shared.identity.models`) also hold password hashes, TOTP secrets and
credential hashes. What a route gets (`User`, `Credential`, `AuditRecord`) carries none of
them, so it cannot leak one; the secrets a rule checks travel apart, in objects only the
auth services see (`Account`, `HashedCredential`, `Session`, `Invitation`). The stores
(shared/identity/store) build them; this module knows nothing of storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
    started_at: datetime | None = None
    last_used_at: datetime | None = None


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


@dataclass(frozen=True, slots=True)
class HashedCredential:
    """A credential with the hash a presented secret is compared with (never listed)."""

    credential: Credential
    secret_hash: str = field(repr=False)


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


# The password rules every team has, whatever its policy: a team may raise them, never
# lower them. (Common passwords and the email inside a password are refused always.)
PASSWORD_FLOOR_LENGTH = 12
PASSWORD_MAX_LENGTH = 128
PASSWORD_FLOOR_UNIQUE = 4


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """What a team's new passwords must have; the defaults are the floor."""

    min_length: int = PASSWORD_FLOOR_LENGTH
    min_unique_characters: int = PASSWORD_FLOOR_UNIQUE
    require_uppercase: bool = False
    require_lowercase: bool = False
    require_digit: bool = False
    require_symbol: bool = False


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    """A team's security settings."""

    # Admin routes refuse an admin's access token that was not issued to an account with
    # MFA (service tokens and API keys are not sign-ins: they are unaffected).
    mfa_required_for_admins: bool = False
    # How long a sign-in lasts; None: the deployment's refresh_token_days (which also caps it).
    session_lifetime_hours: int | None = None


@dataclass(frozen=True, slots=True)
class TeamSecurity:
    """A team's settings and password policy; `version` is the stored item's (0: none yet)."""

    settings: SecuritySettings
    password_policy: PasswordPolicy
    version: int
    updated_at: datetime | None
    updated_by: str | None
