"""Support chat's request and answer shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.chat.domain import ConversationMessage, Ticket, TicketStatus
from shared.identity.fields import EmailStr
from shared.pagination import PageParams
from shared.support.domain import MAX_MESSAGE_CHARS, Author, SupportSession, SupportStatus

MessageText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE_CHARS)
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class SupportSessionOpen(Strict):
    product_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    email: EmailStr | None = Field(
        default=None, description="where the seller may answer when a person takes over"
    )


class SupportMessageSend(Strict):
    content: MessageText


class SupportEscalation(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class SupportQueueParams(PageParams):
    """GET /admin/support-queue: a page of one status (one Query of that status's index)."""

    status: SupportStatus = Field(
        default="escalated", description="escalated (the default): waiting for a person"
    )


class SupportSessionPublic(BaseModel):
    id: str
    product_id: str
    product_name: str
    status: SupportStatus
    escalation_reason: str | None
    created_at: datetime
    updated_at: datetime


class SupportSessionOpened(SupportSessionPublic):
    token: str = Field(
        description="send it as the X-AIF-Support-Token header on every later call of "
        "this session; shown only here"
    )


class SupportQueueItem(SupportSessionPublic):
    email: str | None


class SupportMessagePublic(BaseModel):
    id: str
    author: Author = Field(
        description="customer: the visitor; agent: the support agent (a model); staff: a "
        "person of the seller's team"
    )
    content: str
    reply_id: str | None = Field(
        description="a visitor's message: the id of the agent's reply to it"
    )
    created_at: datetime


class SupportMessageSent(BaseModel):
    message: SupportMessagePublic
    reply_id: str
    status: Literal["pending"] = "pending"


class SupportReply(BaseModel):
    reply_id: str
    status: TicketStatus
    content: str | None
    error: str | None


def session_public(session: SupportSession) -> SupportSessionPublic:
    return SupportSessionPublic(
        id=session.id,
        product_id=session.product_id,
        product_name=session.product_name,
        status=session.status,
        escalation_reason=session.escalation_reason,
        created_at=session.created_at,
        updated_at=session.updated_at,
    )


def queue_item(session: SupportSession) -> SupportQueueItem:
    return SupportQueueItem(**session_public(session).model_dump(), email=session.email)


def message_public(message: ConversationMessage) -> SupportMessagePublic:
    if message.role == "user":
        author: Author = "customer"
    else:  # a model's reply is its ticket's; a person's has none
        author = "agent" if message.ticket_id else "staff"
    return SupportMessagePublic(
        id=message.message_id,
        author=author,
        content=message.content,
        reply_id=message.ticket_id if message.role == "user" else None,
        created_at=message.created_at,
    )


def reply_public(ticket: Ticket) -> SupportReply:
    return SupportReply(
        reply_id=ticket.ticket_id, status=ticket.status, content=ticket.result, error=ticket.error
    )
