"""Request and response shapes of /collaboration (seed 003 Collaboration)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

from functions.messages.schemas import AgentId
from shared.collaboration.domain import MAX_CONTEXT_BYTES, MessageType, Status
from shared.pagination import Page, PageParams

MAX_PARTICIPANTS = 20
MAX_CONTEXT_KEYS = 100

ContextKey = Annotated[str, StringConstraints(min_length=1, max_length=128)]
# Any JSON value; null (in a change) removes the key.
ContextChanges = Annotated[
    dict[ContextKey, Any],
    Field(
        max_length=MAX_CONTEXT_KEYS,
        description=f"keys and their JSON values; a null value removes the key. The whole "
        f"context holds at most {MAX_CONTEXT_BYTES} bytes as JSON (413 beyond)",
    ),
]


class CollaborationListParams(PageParams):
    """GET /collaboration: a page of the team's sessions, or of those in one status."""

    status: Status | None = None


class CollaborationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=2_000)] = ""
    participants: list[AgentId] = Field(
        min_length=1,
        max_length=MAX_PARTICIPANTS,
        description="agents of the team that take part (each listed once)",
    )
    initial_context: ContextChanges = Field(default_factory=dict)


class CollaborationMessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    agent_id: AgentId = Field(description="a participant of the session")
    message: Annotated[str, StringConstraints(min_length=1, max_length=16_000)]
    message_type: MessageType = "text"


class ContextUpdate(RootModel[dict[ContextKey, Any]]):
    """`{key: value}` merged into the shared context; a null value removes the key."""

    model_config = ConfigDict(defer_build=True)

    root: Annotated[dict[ContextKey, Any], Field(min_length=1, max_length=MAX_CONTEXT_KEYS)]


class CollaborationMessagePublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    session_id: str
    agent_id: str
    message: str
    message_type: MessageType
    created_at: datetime


class CollaborationSummary(BaseModel):
    """A session as lists show it (its context and messages: GET /collaboration/{id})."""

    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    description: str
    participants: list[str]
    status: Status
    created_by: str
    created_at: datetime
    closed_at: datetime | None


class CollaborationPublic(CollaborationSummary):
    context: dict[str, Any]
    updated_at: datetime
    message_count: int


class CollaborationDetail(CollaborationPublic):
    messages: Page[CollaborationMessagePublic] = Field(
        description="the newest messages; GET /collaboration/{id}/messages with next_cursor "
        "pages on"
    )
