"""Request and response shapes of /webhooks (outbound endpoints and their deliveries)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.webhooks.domain import AttemptStatus, DeliveryStatus

# Printable ASCII; the URL policy (shared.url_policy) says what else it must be.
Url = Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=r"^\s*[!-~]+\s*$")]
EventName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=500)]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    url: Url = Field(description="https (deployed) at a public address; redirects not followed")
    events: list[EventName] = Field(
        min_length=1,
        max_length=50,
        description='event types (GET /webhooks/event-types), or ["*"] for every one',
    )
    description: Description | None = None
    enabled: bool = True


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
