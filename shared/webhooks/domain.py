"""What the outbound webhooks' stores and services hand out: an endpoint (with its signing
secrets), a delivery of one event to it, and each attempt of that delivery. Storage and
API shapes are separate (shared.webhooks.models, functions.webhooks.schemas)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

DeliveryStatus = Literal["pending", "retrying", "succeeded", "failed"]
AttemptStatus = Literal["succeeded", "failed"]

# The subscription to every type.
ALL_EVENTS = "*"
# After a rotation the old secret keeps signing beside the new one this long, so receivers
# can switch over without losing a delivery.
OLD_SECRET_SECONDS = 24 * 3600
# An endpoint that has failed this long without one success is disabled.
DISABLE_AFTER = timedelta(days=5)
# Deliveries (their bodies and attempts) are kept this long (TTL).
DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600


class Secret(BaseModel):
    """A signing secret; an old one (after a rotation) signs until `expires_at`."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    value: str
    expires_at: datetime | None = None


class Webhook(BaseModel):
    """A team's endpoint and what it subscribes to."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    id: str
    team_id: str
    url: str
    events: list[str]
    description: str | None = None
    enabled: bool = True
    # The current secret first, then any old ones still signing.
    secrets: list[Secret]
    disabled_reason: str | None = None
    failing_since: datetime | None = None
    last_success_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    # The version read (a conditional write checks it); never shown.
    version: int | None = None

    def signing_secrets(self, now: datetime) -> list[str]:
        """Every secret that signs a delivery made at `now`."""
        return [s.value for s in self.secrets if s.expires_at is None or s.expires_at > now]


class Attempt(BaseModel):
    """One try of a delivery: the receiver's answer (or why there was none) and its time."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    number: int
    at: datetime
    status: AttemptStatus
    response_code: int | None = None
    latency_ms: int
    error: str | None = None
    # The receiver's Retry-After (429/503), seconds.
    retry_after: int | None = None


class Delivery(BaseModel):
    """One event (or a test) sent to one endpoint: the exact body, each attempt."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    id: str
    webhook_id: str
    team_id: str
    # `webhook-id`: the same on every attempt and redelivery, so receivers can deduplicate.
    message_id: str
    event_type: str
    body: str
    status: DeliveryStatus
    attempts: list[Attempt] = []
    last_response_code: int | None = None
    next_attempt_at: datetime | None = None
    created_at: datetime
