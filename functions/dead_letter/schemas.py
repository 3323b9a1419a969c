"""Request and response shapes of /dead-letter."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from shared.dead_letter.domain import Source, Status
from shared.pagination import PageParams
from shared.request_fields import trimmed

# The work queues a retry can send to: shared.queues.QUEUES' keys (a test holds them equal).
QueueKey = Literal[
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
]


# Built with the routes, as the agents' list parameters are (see functions/agents/schemas).
class DeadLetterListParams(PageParams):
    source: Source | None = Field(default=None, description="only items from this source")
    status: Status | None = Field(default=None, description="only items in this status")


# The filters share the one query model with the page parameters: PageParams refuses
# query parameters it does not name.
DeadLetterFilters = Annotated[DeadLetterListParams, Query()]


class DeadLetterCreate(BaseModel):
    """An item added by hand (source `manual`). With `origin_queue`, a retry sends the
    payload there; without, the item is kept for the record only."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    error: Annotated[str, trimmed(2000)] = Field(description="what went wrong")
    payload: dict[str, Any] = Field(
        description="the message, as the queue carries it (at most 256 KiB of JSON)"
    )
    origin_queue: QueueKey | None = Field(
        default=None, description="the queue a retry sends the payload to"
    )


class DeadLetterPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    source: Source
    status: Status
    error: str
    payload: Any
    origin_queue: str | None
    created_at: datetime
    retried_at: datetime | None = None


class RetryAllAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)

    queued: int = Field(description="how many items were sent back to their queues")


class DeadLetterStatsPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    total: int = Field(description="pending items")
    by_source: dict[str, int] = Field(description="pending items per source")
    oldest_age_seconds: int | None = Field(
        description="age of the oldest pending item; null when none is pending"
    )
