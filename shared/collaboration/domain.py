"""A collaboration session and its messages (seed 003 Collaboration)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

MESSAGE_EVENT = "collaboration.message"
CLOSED_EVENT = "collaboration.closed"

Status = Literal["active", "closed"]
STATUSES: tuple[Status, ...] = ("active", "closed")
MessageType = Literal["text", "proposal", "question", "answer", "decision"]
# A session's shared context, as compact JSON: notes the agents share, not a document
# store (the session item, context included, stays far below DynamoDB's 400 KB).
MAX_CONTEXT_BYTES = 32 * 1024


@dataclass(frozen=True)
class Session:
    team_id: str
    session_id: str
    name: str
    description: str
    participants: tuple[str, ...]
    status: Status
    context: dict[str, Any]
    message_count: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    # The stored item's version: a context update is conditioned on it.
    version: int


@dataclass(frozen=True)
class SessionMessage:
    team_id: str
    session_id: str
    message_id: str
    agent_id: str
    message: str
    message_type: MessageType
    created_at: datetime


def message_event(message: SessionMessage) -> dict[str, object]:
    """The detail of collaboration.message (the text left out: read it from the session)."""
    return {
        "team_id": message.team_id,
        "session_id": message.session_id,
        "message_id": message.message_id,
        "agent_id": message.agent_id,
        "message_type": message.message_type,
    }


def closed_event(session: Session) -> dict[str, object]:
    return {
        "team_id": session.team_id,
        "session_id": session.session_id,
        "name": session.name,
        "message_count": session.message_count,
    }
