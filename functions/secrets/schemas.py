"""Request and response shapes of /secrets (seed 003 Secrets Vault: `name, value, category,
expires_at`). The value is written and never answered, except by `POST
/secrets/{id}/reveal`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.pagination import PageParams
from shared.request_fields import DateTimeText, omittable, refuse_nulls, trimmed
from shared.vault.domain import (
    DEFAULT_EXPIRING_DAYS,
    MAX_EXPIRING_DAYS,
    MAX_VALUE_CHARS,
    NAME_PATTERN,
    VALUE_PREVIEW,
)

# Secret ids in paths are ULIDs.
ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"

Name = Annotated[
    str,
    StringConstraints(pattern=NAME_PATTERN),
    Field(description="unique in the team; used by name as `{{secrets.NAME}}`"),
]
# Taken as sent (a value's spaces may matter), never answered.
Value = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_VALUE_CHARS),
    Field(description="the secret's value: kept in Secrets Manager, never answered"),
]
Category = Annotated[str, trimmed(50)]
Description = Annotated[str, StringConstraints(max_length=1_000)]
_STRICT = ConfigDict(extra="forbid", defer_build=True)


# A query model with the page parameters (PageParams refuses those it does not name); built
# with the routes, not deferred.
class ExpiringParams(PageParams):
    days: int = Field(
        default=DEFAULT_EXPIRING_DAYS,
        ge=1,
        le=MAX_EXPIRING_DAYS,
        description="how many days ahead to look",
    )


ExpiringQuery = Annotated[ExpiringParams, Query()]


class SecretCreate(BaseModel):
    model_config = _STRICT

    name: Name
    value: Value
    category: Category = omittable(description="a free label (default: general)")
    description: Description = ""
    expires_at: DateTimeText | None = Field(
        default=None, description="when the value stops working (a reminder: still usable)"
    )


class SecretUpdate(BaseModel):
    """What changes; the rest stays. A value is a rotation (a new version); `expires_at`
    null clears the expiry."""

    model_config = _STRICT

    name: Name = omittable()
    value: Value = omittable()
    category: Category = omittable()
    description: Description = omittable()
    expires_at: DateTimeText | None = Field(
        default=None, description="null: no expiry; left out: kept"
    )

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: object) -> object:
        # Null clears an expiry; on any other field it is refused.
        if isinstance(data, dict):
            refuse_nulls({key: value for key, value in data.items() if key != "expires_at"})
        return data


class SecretRotate(BaseModel):
    model_config = _STRICT

    value: Value
    expires_at: DateTimeText | None = Field(
        default=None, description="the new value's expiry; null: none; left out: kept"
    )


class SecretReveal(BaseModel):
    model_config = _STRICT

    # Any text: a code of the wrong shape is refused (401) and audited like a wrong one.
    totp_code: Annotated[str, StringConstraints(max_length=16)] = omittable(
        description="a current code of the admin's authenticator: required when the admin "
        "has MFA enabled (each code is good once)"
    )


class SecretPublic(BaseModel):
    id: str
    name: str
    category: str
    description: str
    value_preview: Literal["****"] = Field(
        default=VALUE_PREVIEW, description="always masked: the value only through reveal"
    )
    version: int = Field(description="1 at creation, one more per rotation")
    expires_at: datetime | None
    expired: bool
    rotated_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    last_revealed_at: datetime | None
    last_revealed_by: str | None


class SecretValue(BaseModel):
    id: str
    name: str
    version: int
    value: str
