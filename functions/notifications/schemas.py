"""Request and response shapes of /notifications: the inbox, preferences and rules."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from shared.event_rules.patterns import MAX_FILTERS, WILDCARD, Scalar
from shared.notifications.domain import Recipient
from shared.pagination import PageParams
from shared.webhooks.catalog import EVENT_TYPES

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _patterns() -> list[str]:
    """Every event a pattern may name: each type of the catalog, each prefix of whole
    segments with `.*`, and `*` (shared.event_rules.patterns)."""
    names = {WILDCARD}
    for known in EVENT_TYPES:
        segments = known.type.split(".")
        names |= {".".join(segments[:n]) + ".*" for n in range(1, len(segments))}
        names.add(known.type)
    return sorted(names)


# Stated in the document: an unknown type, or a wildcard that is not a whole last segment,
# is refused by the schema (422 listing the names it takes).
EventName = StrEnum(  # type: ignore[misc]  # built from the catalog
    "EventName", {name: name for name in _patterns()}
)
ChannelId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class NotificationPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    kind: str = Field(description="the event type it is about")
    title: str
    body: str
    read: bool
    created_at: datetime
    link: str | None = Field(default=None, description="the API path of what it is about")
    event_id: str | None = None


class InboxListParams(PageParams):
    unread: bool = Field(default=False, description="only the unread ones")


# The filter shares the one query model with the page parameters: PageParams refuses
# query parameters it does not name.
InboxFilters = Annotated[InboxListParams, Query()]


class UnreadCount(BaseModel):
    model_config = ConfigDict(defer_build=True)

    count: int


class ReadAll(BaseModel):
    model_config = ConfigDict(defer_build=True)

    marked: int = Field(description="items marked read by this call (at most 1000)")


class PreferencesBody(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    muted: list[EventName] = Field(
        default_factory=list, max_length=100, description="kinds that notify you of nothing"
    )
    in_app_only: list[EventName] = Field(
        default_factory=list,
        max_length=100,
        description="kinds that reach your inbox only: no e-mail or other channel",
    )


class PreferencesPublic(PreferencesBody):
    model_config = ConfigDict(defer_build=True)

    updated_at: datetime | None = None


class RuleBody(BaseModel):
    """POST and PUT: the rule as it should be."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: Name
    event: EventName = Field(
        description="an event type (GET /webhooks/event-types), a prefix of whole segments "
        '("job.*") or "*"'
    )
    filters: dict[str, Scalar | list[Scalar]] = Field(
        default_factory=dict,
        max_length=MAX_FILTERS,
        description="dotted paths of the event (data.<field>) to a value or a list of values",
    )
    channel_ids: list[ChannelId] = Field(
        default_factory=list,
        max_length=20,
        description="the team's channels (/notifications/channels); none: in-app only. "
        "Recipients get an inbox item when none is named or an in_app channel is",
    )
    recipients: list[Recipient] = Field(
        min_length=1,
        max_length=50,
        description="a user of the team, everyone with a role, or the whole team",
    )
    enabled: StrictBool = True


class RulePublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    event: str
    filters: dict[str, Scalar | list[Scalar]]
    channel_ids: list[str]
    recipients: list[Recipient]
    enabled: bool
    builtin: bool = Field(
        description="a rule every team has: its name, event and filters are fixed, and it "
        "is disabled rather than deleted"
    )
    created_at: datetime | None = None
    updated_at: datetime | None = None
