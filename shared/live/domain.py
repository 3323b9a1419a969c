"""What the live-events code hands around: a connection, its subscriptions, and the
messages a client may send (validated by pydantic, one model per `type`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.auth.principal import Role, Via
from shared.event_rules.patterns import WILDCARD

# A connection's item expires this long after it connected or last pinged: the table
# forgets a socket API Gateway dropped without a $disconnect (it idles out after 10
# minutes without traffic; clients ping well within that).
CONNECTION_TTL = timedelta(hours=2)
# A connection whose credential expired (or was revoked) is kept this much longer, pushed
# nothing, so its client can send `{type: auth, token}` with a fresh one and keep its
# subscriptions: API Gateway's idle limit, so a client that keeps its socket open pings
# within it and hears why.
REAUTH_GRACE = timedelta(minutes=10)
# Subscriptions per connection: each is tested against every event of the team.
MAX_SUBSCRIPTIONS = 20
# The data field of an event meant for one subject's sockets only (chat.completed/failed).
PRIVATE_TO = "private_to"
# A message's largest field: a token, an event type, a job id.
MAX_TOKEN_CHARS = 4096


class Subscription(BaseModel):
    """`{event, job_id?}`: an event type, a prefix of whole segments (`job.*`) or `*`, and
    optionally one job of the team (the event's `data.job_id`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    event: str = Field(min_length=1, max_length=200)
    job_id: str | None = Field(default=None, min_length=1, max_length=64)

    def matches(self, event_type: str, data: Mapping[str, Any]) -> bool:
        if self.job_id is not None and data.get("job_id") != self.job_id:
            return False
        if self.event == WILDCARD:
            return True
        if self.event.endswith(".*"):
            return event_type.startswith(self.event[:-1])
        return self.event == event_type


@dataclass(frozen=True, slots=True)
class Connection:
    """An authenticated socket: who opened it, for which team, and what it listens to.

    `credential_expires_at` is when the credential it authenticated with stops being
    valid: an access token's `exp`; None for an API key (no expiry: read again at each
    ping, and set to that moment when it was revoked)."""

    connection_id: str
    team_id: str
    subject: str
    role: Role
    connected_at: datetime
    expires_at: datetime
    subscriptions: tuple[Subscription, ...] = field(default_factory=tuple)
    via: Via = "jwt"
    credential_expires_at: datetime | None = None

    def credential_valid(self, now: datetime) -> bool:
        return self.credential_expires_at is None or self.credential_expires_at > now

    def kept_until(self, now: datetime) -> datetime:
        """The item's expiry after a message at `now`: never further than the credential's
        own expiry (and the grace to re-authenticate)."""
        kept = now + CONNECTION_TTL
        if self.credential_expires_at is None:
            return kept
        return min(kept, self.credential_expires_at + REAUTH_GRACE)

    def wants(self, event_type: str, data: Mapping[str, Any]) -> bool:
        # An event that names `private_to` (a chat reply) is one user's: the push is
        # team-wide, so only that subject's sockets may have it, whatever they subscribe to.
        private_to = data.get(PRIVATE_TO)
        if private_to is not None and private_to != self.subject:
            return False
        return any(sub.matches(event_type, data) for sub in self.subscriptions)


# What a client sends (API.md, `WS /ws`).


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class AuthMessage(_Message):
    type: Literal["auth"]
    token: str = Field(min_length=1, max_length=MAX_TOKEN_CHARS)


class SubscribeMessage(_Message):
    type: Literal["subscribe"]
    event: str = Field(min_length=1, max_length=200)
    job_id: str | None = Field(default=None, min_length=1, max_length=64)


class UnsubscribeMessage(_Message):
    """Without `event`: every subscription (of `job_id`, when given)."""

    type: Literal["unsubscribe"]
    event: str | None = Field(default=None, min_length=1, max_length=200)
    job_id: str | None = Field(default=None, min_length=1, max_length=64)


class PingMessage(_Message):
    type: Literal["ping"]


ClientMessage = Annotated[
    AuthMessage | SubscribeMessage | UnsubscribeMessage | PingMessage,
    Field(discriminator="type"),
]
