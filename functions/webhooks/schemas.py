"""Request and response shapes of /webhooks (outbound endpoints and their deliveries)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from shared.webhooks.catalog import EVENT_TYPES
from shared.webhooks.domain import AttemptStatus, DeliveryStatus

# What the URL policy (shared.url_policy) accepts in its shape: http or https (deployed,
# https only, at a public address, which only a lookup can tell), a host name
# or IPv4 address (an IPv6 endpoint goes by its name), no credentials, a path and a query
# in printable ASCII, no fragment.
URL_PATTERN = (
    r"^\s*[hH][tT][tT][pP][sS]?://[A-Za-z0-9.-]+"
    r"(?::(?:[0-9]{0,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
    r"(?:/[!-\"$->@-~]*)?(?:\?[!-\"$-~]*)?\s*$"
)
Url = Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=URL_PATTERN)]
# Every type the product emits (GET /webhooks/event-types): a refused one is answered with
# the list of them.
EventTypeName = StrEnum(  # type: ignore[misc]  # built from the catalog
    "EventTypeName", {event.type: event.type for event in EVENT_TYPES}
)
EveryEvent = Annotated[list[Literal["*"]], Field(min_length=1, max_length=1)]
SomeEvents = Annotated[list[EventTypeName], Field(min_length=1, max_length=50)]
Description = Annotated[str, StringConstraints(max_length=500)]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    url: Url = Field(description="https (deployed) at a public address; redirects not followed")
    events: EveryEvent | SomeEvents = Field(
        description='event types (GET /webhooks/event-types), or ["*"] alone for every one'
    )
    description: Description | None = None
    enabled: StrictBool = True


class WebhookReplace(WebhookCreate):
    """PUT: the endpoint as it should be (its secret and history stay)."""


class WebhookPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    url: str
    events: list[str]
    description: str | None = None
    enabled: bool
    disabled_reason: str | None = Field(
        default=None, description="why it was disabled, when it was disabled for failing"
    )
    failing_since: datetime | None = None
    last_success_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="the signing secret (whsec_...); shown only here")


class EventTypePublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    type: str
    description: str
    sample: dict[str, Any] = Field(description="a sample of the delivery body's `data`")


class EventTypes(BaseModel):
    model_config = ConfigDict(defer_build=True)

    items: list[EventTypePublic]


class TestOutcome(BaseModel):
    model_config = ConfigDict(defer_build=True)

    delivery_id: str
    status: DeliveryStatus
    response_code: int | None = Field(default=None, description="null: no answer")
    error: str | None = None


class SecretRotated(BaseModel):
    model_config = ConfigDict(defer_build=True)

    secret: str = Field(description="the new secret; the old one also signs for 24 h")


class AttemptPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    number: int
    at: datetime
    status: AttemptStatus
    response_code: int | None = None
    latency_ms: int
    error: str | None = None


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    event_type: str
    status: DeliveryStatus
    attempts: int = Field(description="how many attempts were made")
    last_response_code: int | None = None
    next_attempt_at: datetime | None = None
    created_at: datetime


class DeliveryDetail(DeliveryPublic):
    message_id: str = Field(description="the webhook-id header: the same on every attempt")
    payload: Any = Field(description="the body sent: {type, timestamp, data}")
    attempt_log: list[AttemptPublic] = Field(description="each attempt, oldest first")


class Queued(BaseModel):
    model_config = ConfigDict(defer_build=True)

    queued: int
