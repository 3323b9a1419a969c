"""What the live-events code hands around: a connection, its subscriptions, and the
messages a client may send (validated by pydantic, one model per `type`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.auth.principal import Role
from shared.event_rules.patterns import WILDCARD

# A connection's item expires this long after it connected or last pinged: the table
# forgets a socket API Gateway dropped without a $disconnect (it idles out after 10
# minutes without traffic; clients ping well within that).
CONNECTION_TTL = timedelta(hours=2)
# Subscriptions per connection: each is tested against every event of the team.
MAX_SUBSCRIPTIONS = 20
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
    """An authenticated socket: who opened it, for which team, and what it listens to."""

    connection_id: str
    team_id: str
    subject: str
    role: Role
    connected_at: datetime
    expires_at: datetime
    subscriptions: tuple[Subscription, ...] = field(default_factory=tuple)

    def wants(self, event_type: str, data: Mapping[str, Any]) -> bool:
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
