"""What the notification stores and services hand out: an inbox item, a rule (with its
recipients), a user's preferences. API shapes live in functions/notifications/schemas.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.event_rules.patterns import Scalar


class UserRecipient(BaseModel):
    """One account of the team."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    type: Literal["user"] = "user"
    user_id: str = Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z]+$")


class RoleRecipient(BaseModel):
    """Every account of the team with this role, as it is when the event comes."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    type: Literal["role"] = "role"
    role: Literal["admin", "member"]


class TeamRecipient(BaseModel):
    """Every account of the team, as it is when the event comes."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    type: Literal["team"] = "team"


Recipient = Annotated[UserRecipient | RoleRecipient | TeamRecipient, Field(discriminator="type")]


class Rule(BaseModel):
    """An event pattern mapped to recipients and channels. A built-in rule (`builtin`) is
    defined in code for every team; a team's change to one is stored under the same id."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    team_id: str
    name: str
    event: str
    filters: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)
    channel_ids: list[str] = Field(default_factory=list)
    recipients: list[Recipient]
    enabled: bool = True
    builtin: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # The version read (conditional writes); never shown. None: not stored.
    version: int | None = None


class Notification(BaseModel):
    """One item of a user's inbox."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    team_id: str
    user_id: str
    kind: str
    title: str
    body: str
    read: bool
    created_at: datetime
    event_id: str | None = None
    rule_id: str | None = None
    link: str | None = None


class Preferences(BaseModel):
    """A user's choices: `muted` kinds get nothing at all; `in_app_only` kinds reach the
    inbox but no e-mail or other channel. Each entry is a type, a prefix (`job.*`) or `*`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    muted: list[str] = Field(default_factory=list)
    in_app_only: list[str] = Field(default_factory=list)
    updated_at: datetime | None = None


class Message(BaseModel):
    """What a notification says: the words an inbox item and every channel show."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: str
    title: str
    body: str
    event_id: str
    link: str | None = None

    def as_json(self) -> dict[str, Any]:
        return self.model_dump()
