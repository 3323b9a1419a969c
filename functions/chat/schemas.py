"""Request and response shapes of /chat and /sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.chat.domain import Role, TicketStatus
from shared.llm.provider_names import ProviderName
from shared.numbers import JSON_NUMBER

# A message's text, and what one request may carry in all (a ticket is one item).
MAX_CONTENT_CHARS = 32_000
MAX_MESSAGES = 50
MAX_TOTAL_CHARS = 100_000
# What a client may name a session by (seed 002's session ids are the client's own).
SESSION_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"

ModelName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Content = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CONTENT_CHARS)]
SessionId = Annotated[str, StringConstraints(pattern=SESSION_ID_PATTERN)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ChatParameters(BaseModel):
    """What a model call may be tuned with; anything else is refused."""

    model_config = ConfigDict(extra="forbid")

    temperature: Annotated[float, Field(ge=0, le=2), JSON_NUMBER] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=8192), JSON_NUMBER] | None = None


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    content: Content


class ChatRequest(BaseModel):
    """Seed 002's ChatRequest: the messages, and the provider and model to ask (else the
    session's configuration, else the team's default provider and its default model)."""

    model_config = ConfigDict(extra="forbid")

    messages: Annotated[list[ChatMessageIn], Field(min_length=1, max_length=MAX_MESSAGES)]
    provider: ProviderName | None = None
    model: ModelName | None = None
    parameters: ChatParameters | None = None
    session_id: SessionId | None = None

    @model_validator(mode="after")
    def _not_too_long(self) -> ChatRequest:
        if sum(len(m.content) for m in self.messages) > MAX_TOTAL_CHARS:
            raise ValueError(f"the messages hold more than {MAX_TOTAL_CHARS} characters in all")
        return self


class TicketCreated(BaseModel):
    ticket_id: str
    status: TicketStatus


class TicketPublic(BaseModel):
    """Seed 002's ChatResponse, with who answered and what it cost once completed."""

    ticket_id: str
    status: TicketStatus
    result: str | None
    error: str | None
    provider: str
    model: str
    session_id: str | None
    conversation_id: str | None
    tokens: int | None = Field(description="null when the provider counted none")
    cost_usd: float | None
    created_at: datetime | None
    completed_at: datetime | None


class ProviderConfigIn(BaseModel):
    """Seed 002's ProviderConfig."""

    model_config = ConfigDict(extra="forbid")

    provider: ProviderName
    model: ModelName | None = None
    parameters: ChatParameters | None = None


class SessionConfigPublic(BaseModel):
    session_id: str
    provider: str
    model: str
    parameters: dict[str, Any]
    created_at: datetime | None
    updated_at: datetime | None


class SessionDeleted(BaseModel):
    message: str


class ConversationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    provider: ProviderName | None = None
    model: ModelName | None = None


class ConversationPublic(BaseModel):
    id: str
    title: str
    provider: str | None
    model: str | None
    message_count: int
    created_at: datetime
    updated_at: datetime


class MessagePublic(BaseModel):
    id: str
    conversation_id: str
    role: Role
    content: str
    ticket_id: str | None
    created_at: datetime


class MessageSend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: Content
    parameters: ChatParameters | None = None


class MessageSent(BaseModel):
    """The user's message as stored, and the ticket its reply comes through."""

    message: MessagePublic
    ticket_id: str
    status: TicketStatus
