"""Request and response shapes of the auth group. Requests forbid unknown fields (a caller
cannot slip in `team_id` or `role`); responses never carry hashes, secrets already shown or
TOTP secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints

from shared.auth.principal import Role, Scope
from shared.costs.allowance_fields import (
    RESET_DATE_HELP,
    AllowanceChanges,
    ResetDate,
    reset_moment,
)
from shared.costs.amounts import Usd
from shared.identity.fields import EmailStr, NewPassword, OpaqueToken, Password
from shared.request_fields import trimmed

DEFAULT_SCOPES: tuple[Scope, ...] = ("read", "write")
# A person's role; `agent` belongs to agent identities (agent tokens) alone.
PersonRole = Literal["admin", "member"]

TotpCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
Name = Annotated[str, trimmed(100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Answer(BaseModel):
    model_config = ConfigDict(defer_build=True)


class RegisterRequest(Strict):
    email: EmailStr
    password: NewPassword
    full_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    invitation_token: OpaqueToken | None = None


class LoginRequest(Strict):
    email: EmailStr
    password: Password
    totp_code: TotpCode | None = None


class RefreshRequest(Strict):
    refresh_token: OpaqueToken


class LogoutRequest(Strict):
    refresh_token: OpaqueToken | None = None


class ChangePasswordRequest(Strict):
    current_password: Password
    new_password: NewPassword


class ProfileUpdate(Strict):
    full_name: Name


class MfaCode(Strict):
    code: TotpCode


class MfaDisable(Strict):
    code: TotpCode
    password: Password


class TokenRequest(Strict):
    team_id: str = Field(default="default", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    role: Role = "admin"


class TokenPairAnswer(Answer):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class ServiceTokenAnswer(Answer):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    team_id: str
    role: str
    expires_in: int


class Me(Answer):
    """Who the credential belongs to, as the credential says (no storage read)."""

    id: str
    team_id: str
    role: str
    auth: str
    email: str | None = None


class UserPublic(Answer):
    id: str
    email: str
    full_name: str
    team_id: str
    role: str
    disabled: bool
    mfa_enabled: bool
    created_at: datetime
    last_login_at: datetime | None = None


class StatusAnswer(Answer):
    status: str


class PasswordChanged(Answer):
    status: str = "password_changed"
    sessions_revoked: int


class MfaEnrolment(Answer):
    otpauth_uri: str
    qr_png_base64: str


class ApiKeyCreate(Strict):
    name: Name
    scopes: list[Scope] = Field(default_factory=lambda: list(DEFAULT_SCOPES), min_length=1)


class AgentTokenCreate(Strict):
    name: Name
    agent_id: Annotated[str, StringConstraints(max_length=64)] | None = None


class CredentialPublic(Answer):
    id: str
    name: str
    kind: str
    prefix: str
    role: str
    scopes: list[str]
    agent_id: str | None = None
    created_by: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class CredentialCreated(CredentialPublic):
    key: str = Field(description="The secret: shown this once, store it now")


class InviteRequest(Strict):
    email: EmailStr
    role: PersonRole = "member"


class InvitationPublic(Answer):
    """An invitation to the team: not an account until the invitee registers with it."""

    id: str
    email: str
    role: str
    invited_by: str
    expires_at: datetime | None
    accepted_by: str | None = Field(
        default=None, description="The account that registered with it; null: still open"
    )


class Invitation(InvitationPublic):
    invitation_token: str = Field(description="Give it to the invitee: shown this once")


class UserUpdate(Strict):
    """PUT /admin/users/{id}; with seed 002's admin form: any of `monthlyAllowance`,
    `allowanceResetDate`, `spendRemaining` (snake_case too), applied in that order."""

    role: PersonRole | None = None
    disabled: bool | None = None
    full_name: Name | None = None
    monthly_allowance: Usd | None = Field(
        default=None,
        validation_alias=AliasChoices("monthlyAllowance", "monthly_allowance"),
        description="USD per UTC month (`monthly_allowance` too); null: unlimited; left "
        "out: unchanged",
    )
    allowance_reset_date: ResetDate | None = Field(
        default=None,
        validation_alias=AliasChoices("allowanceResetDate", "allowance_reset_date"),
        description=f"when the allowance next renews, in the future (`allowance_reset_date` "
        f"too): {RESET_DATE_HELP}; null: at the next UTC month's start only; left out: "
        "unchanged",
    )
    spend_remaining: Usd | None = Field(
        default=None,
        validation_alias=AliasChoices("spendRemaining", "spend_remaining"),
        description="USD left of the allowance this period, at most the allowance "
        "(`spend_remaining` too); left out: unchanged",
    )

    def allowance_changes(self) -> AllowanceChanges:
        given = self.model_fields_set
        return AllowanceChanges(
            set_allowance="monthly_allowance" in given,
            monthly_allowance=self.monthly_allowance,
            set_reset_date="allowance_reset_date" in given,
            reset_at=reset_moment(self.allowance_reset_date),
            spend_remaining=self.spend_remaining,
        )


class AuditEntry(Answer):
    id: str
    at: datetime
    action: str
    outcome: str
    actor: str
    target: str | None = None
    ip: str | None = None
    detail: dict[str, object]
