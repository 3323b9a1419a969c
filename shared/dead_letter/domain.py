"""What the dead-letter store and service hand out: an item and the team's statistics.
Storage and API shapes are separate (shared.dead_letter.models, functions.dead_letter.schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict

# Where an item came from: a work queue's dead-letter queue (named by the queue's key),
# the bus's own dead-letter queue (events its rule could not deliver, schedules that could
# not run), or an admin adding one by hand.
Source = Literal[
    "bus-events",
    "webhook-deliveries",
    "hook-events",
    "live-events",
    "trigger-fires",
    "trigger-events",
    "notification-deliveries",
    "notification-events",
    "chat-tickets",
    "task-runs",
    "workflow-steps",
    "knowledge-index",
    "team-wipes",
    "payment-events",
    "discovery-runs",
    "bus",
    "manual",
]
SOURCES: tuple[Source, ...] = get_args(Source)
Status = Literal["pending", "retried"]
STATUSES: tuple[Status, ...] = get_args(Status)

# The team of a message that names none (a schedule's input, a malformed body): kept, never
# dropped. The operator reads them with a service token for this team (`factory login
# --team _unowned`).
UNOWNED_TEAM = "_unowned"


class DeadLetter(BaseModel):
    """A message that could not be handled. `payload` is the message body as it was (parsed
    JSON, or the text when it was not JSON); `origin_queue` the shared.queues key a retry
    sends it to (None: there is nowhere to send it back)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    id: str
    team_id: str
    source: Source
    status: Status
    error: str
    payload: Any
    origin_queue: str | None
    created_at: datetime
    retried_at: datetime | None = None
    # The version read (conditional writes); never shown.
    version: int | None = None


class DeadLetterStats(BaseModel):
    """The team's pending items: how many, by source, and the oldest one's age."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    total: int
    by_source: dict[str, int]
    oldest_age_seconds: int | None
