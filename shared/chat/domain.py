"""What the chat code hands around: a ticket, a session's provider configuration, a
conversation and its messages. Every one of them belongs to one caller (`user_id`: the
principal's subject), never to the whole team."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

Role = Literal["user", "assistant", "system"]
TicketStatus = Literal["pending", "completed", "failed"]
TICKET_STATUSES: tuple[TicketStatus, ...] = get_args(TicketStatus)

# A ticket (and its answer) is kept this long, then expires (TTL).
TICKET_TTL = timedelta(days=7)
# The messages of a conversation sent with a new one, newest kept (what a model sees).
HISTORY_MESSAGES = 20
HISTORY_CHARS = 60_000
# A conversation holds at most this many messages (its delete removes them all in one
# request's time).
MAX_CONVERSATION_MESSAGES = 1000
# What a chat event carries of the reply (the ticket holds it all).
EVENT_RESULT_CHARS = 4000
ERROR_CHARS = 1000

COMPLETED: TicketStatus = "completed"
FAILED: TicketStatus = "failed"
PENDING: TicketStatus = "pending"


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Ticket:
    """One chat request: what to send, to which provider and model, and what came back."""

    team_id: str
    ticket_id: str
    user_id: str
    status: TicketStatus
    provider: str
    model: str
    messages: tuple[ChatMessage, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    session_id: str | None = None
    conversation_id: str | None = None
    result: str | None = None
    error: str | None = None
    tokens: int | None = None
    cost_usd: float | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """A session's provider configuration (seed 002's `ProviderConfig`)."""

    team_id: str
    user_id: str
    session_id: str
    provider: str
    model: str | None
    parameters: dict[str, Any]
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    team_id: str
    user_id: str
    conversation_id: str
    title: str
    provider: str | None
    model: str | None
    message_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ConversationMessage:
    conversation_id: str
    message_id: str
    role: Role
    content: str
    ticket_id: str | None
    created_at: datetime
