"""Request and answer shapes of security administration (/security, its password policy,
sessions and IP rules). Requests forbid unknown fields; a partial update's fields may be
left out, not sent as null (but a session lifetime's null: back to the deployment's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from shared.identity.domain import (
    PASSWORD_FLOOR_LENGTH,
    PASSWORD_FLOOR_UNIQUE,
    PASSWORD_MAX_LENGTH,
)
from shared.ip_rules.service import MAX_DESCRIPTION, MAX_RULES
from shared.numbers import JSON_NUMBER
from shared.pagination import PageParams
from shared.request_fields import omittable, refuse_nulls

MAX_SESSION_HOURS = 365 * 24
# What may be a CIDR network or an address, IPv4 or IPv6 (whether it is one is checked
# with ipaddress: 422 naming the rule otherwise).
CIDR_PATTERN = r"^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Answer(BaseModel):
    model_config = ConfigDict(defer_build=True)


class SecurityUpdate(Strict):
    mfa_required_for_admins: StrictBool = omittable(
        description="Admin routes need an admin's sign-in with MFA (service tokens and API "
        "keys are unaffected). Turning it on from a sign-in without MFA is 409."
    )
    session_lifetime_hours: (
        Annotated[int, Field(ge=1, le=MAX_SESSION_HOURS), JSON_NUMBER] | None
    ) = Field(
        default=None,
        description="How long a new sign-in lasts (refreshes do not extend it); null: the "
        "deployment's refresh_token_days, which also caps it",
    )


MinLength = Annotated[int, Field(ge=PASSWORD_FLOOR_LENGTH, le=PASSWORD_MAX_LENGTH), JSON_NUMBER]
MinUnique = Annotated[int, Field(ge=PASSWORD_FLOOR_UNIQUE, le=64), JSON_NUMBER]


class PasswordPolicyUpdate(Strict):
    """Fields left out keep their values; a value under the floor is 422 naming it."""

    min_length: MinLength = omittable(
        description=f"At least the floor, {PASSWORD_FLOOR_LENGTH}; at most {PASSWORD_MAX_LENGTH}"
    )
    min_unique_characters: MinUnique = omittable(
        description=f"Different characters a password holds; at least the floor, "
        f"{PASSWORD_FLOOR_UNIQUE}"
    )
    require_uppercase: StrictBool = omittable()
    require_lowercase: StrictBool = omittable()
    require_digit: StrictBool = omittable()
    require_symbol: StrictBool = omittable(description="Neither a letter, a digit nor white space")

    _no_nulls = model_validator(mode="before")(refuse_nulls)


class PasswordFloor(Answer):
    min_length: int
    min_unique_characters: int


class PasswordPolicyPublic(Answer):
    min_length: int
    min_unique_characters: int
    require_uppercase: bool
    require_lowercase: bool
    require_digit: bool
    require_symbol: bool
    max_length: int
    floor: PasswordFloor = Field(description="What no policy can go under")
    always_refused: list[str] = Field(description="Refused whatever the policy")


class IpRuleCounts(Answer):
    allow: int
    block: int


class SecurityPublic(Answer):
    mfa_required_for_admins: bool
    session_lifetime_hours: int = Field(description="In effect for new sign-ins")
    session_lifetime_is_default: bool = Field(description="The deployment's, none set")
    max_session_lifetime_hours: int = Field(description="The deployment's refresh_token_days")
    password_policy: PasswordPolicyPublic
    ip_rules: IpRuleCounts
    your_address: str = Field(description="This request's address, as the IP rules see it")
    updated_at: datetime | None
    updated_by: str | None


class IpRuleCreate(Strict):
    cidr: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=CIDR_PATTERN)] = (
        Field(description="An IPv4 or IPv6 network (`192.0.2.0/24`, `2001:db8::/32`) or address")
    )
    action: Literal["allow", "block"]
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=MAX_DESCRIPTION)
    ] = ""


class IpRulesReplace(Strict):
    rules: list[IpRuleCreate] = Field(max_length=MAX_RULES)


class IpRulePublic(Answer):
    id: str
    cidr: str = Field(description="Normalized: host bits cleared")
    action: Literal["allow", "block"]
    description: str
    created_at: datetime


class IpRulesPublic(Answer):
    rules: list[IpRulePublic]
    allow: int
    block: int
    your_address: str = Field(description="This request's address, as the rules see it")
    fresh_seconds: float = Field(
        description="Other instances of the service apply a change within this many seconds"
    )
    updated_at: datetime | None
    updated_by: str | None


class SessionListParams(PageParams):
    """GET /security/sessions: a page, optionally of one account's sessions."""

    user_id: str | None = Field(default=None, max_length=64, description="One account's")


class SessionPublic(Answer):
    id: str
    user_id: str
    started_at: datetime | None
    last_used_at: datetime | None = Field(description="Its sign-in or latest refresh")
    expires_at: datetime | None
    current: bool = Field(description="The session of this request's access token")
