"""What the channels' stores and services hand out: a channel (its public settings and the
masked hints of its secrets), the secrets themselves (only the delivery and the test send
see them), a delivery of one notification through a channel and each attempt.

Storage and API shapes are separate (shared.notifications.channel_models,
functions.notifications.channels_schemas).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr

ChannelType = Literal["in_app", "email", "slack", "telegram", "webhook"]
CHANNEL_TYPES: tuple[ChannelType, ...] = ("in_app", "email", "slack", "telegram", "webhook")
# The config fields of each type that are secrets: kept in Secrets Manager, shown masked.
# A webhook URL often carries a token in its path or query, so it is one; its signing
# secret (Standard Webhooks) is made by us and shown once, at creation.
SECRET_FIELDS: dict[ChannelType, tuple[str, ...]] = {
    "in_app": (),
    "email": (),
    "slack": ("webhook_url",),
    "telegram": ("bot_token",),
    "webhook": ("url", "signing_secret"),
}
# The secret fields an admin gives (the signing secret is ours).
GIVEN_SECRET_FIELDS: dict[ChannelType, tuple[str, ...]] = {
    "in_app": (),
    "email": (),
    "slack": ("webhook_url",),
    "telegram": ("bot_token",),
    "webhook": ("url",),
}
DeliveryStatus = Literal["pending", "retrying", "succeeded", "failed"]
AttemptStatus = Literal["succeeded", "failed"]
# Deliveries (their notification and attempts) are kept this long (TTL).
DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600


class Channel(BaseModel):
    """A team's channel. `settings` holds the config fields that are no secret (an email
    channel's `to`, a Telegram chat id); `hints` the secrets' masked forms, by field."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    id: str
    team_id: str
    name: str
    type: ChannelType
    settings: dict[str, Any]
    hints: dict[str, str]
    enabled: bool = True
    created_at: datetime
    updated_at: datetime
    # The Secrets Manager version holding this channel's secrets (None: it has none).
    secret_version: str | None = None
    # The version read (a conditional write checks it); never shown.
    version: int | None = None

    @property
    def has_secrets(self) -> bool:
        return bool(SECRET_FIELDS[self.type])

    def public_config(self) -> dict[str, Any]:
        """The config as answers show it: the settings, and each secret as `<field>_hint`."""
        return {
            **self.settings,
            **{f"{field}_hint": hint for field, hint in self.hints.items()},
        }


class ChannelSecrets(BaseModel):
    """A channel's secret fields, by name (`webhook_url`, `bot_token`, `url`,
    `signing_secret`); never logged, never answered (except a new signing secret, once)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    values: dict[str, SecretStr]

    def get(self, field: str) -> str:
        return self.values[field].get_secret_value()


class Notification(BaseModel):
    """What is said, whatever the channel (the design note's message `notification`)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    kind: str
    title: str
    body: str
    event_id: str | None = None
    link: str | None = None


class Recipient(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    user_id: str
    email: str | None = None


class Attempt(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    number: int
    at: datetime
    status: AttemptStatus
    # The receiver's HTTP status (None: no answer, or not HTTP: e-mail).
    response_code: int | None = None
    latency_ms: int = 0
    error: str | None = None
    retry_after: int | None = None
    # E-mail: the addresses this attempt sent to (a retry sends to the others only).
    sent_to: list[str] = []


class ChannelDelivery(BaseModel):
    """One notification through one channel: what to say, to whom, each attempt."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    id: str
    team_id: str
    channel_id: str
    notification: Notification
    recipients: list[Recipient]
    test: bool = False
    status: DeliveryStatus = "pending"
    attempts: list[Attempt] = []
    next_attempt_at: datetime | None = None
    created_at: datetime

    def sent_to(self) -> set[str]:
        """Every address an attempt already reached (a retry leaves them out)."""
        return {address for attempt in self.attempts for address in attempt.sent_to}
