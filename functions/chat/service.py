"""The chat group's rules: which provider and model a chat goes to (checked before any
ticket exists), tickets, session configurations and conversations, each the caller's own
(another user's reads as not found)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from functions.chat.schemas import ChatParameters, ChatRequest, ConversationCreate, MessageSend
from shared.chat import store
from shared.chat.domain import (
    PENDING,
    ChatMessage,
    Conversation,
    ConversationMessage,
    SessionConfig,
    Ticket,
)
from shared.chat.tickets import check_target, history, queue_ticket
from shared.errors import NotFound, Unprocessable
from shared.ids import new_id, utcnow
from shared.llm.providers.templates import KIND as TEMPLATES
from shared.pagination import PageParams

DEFAULT_TITLE = "New conversation"


@dataclass(frozen=True, slots=True)
class ChatTarget:
    provider: str
    model: str
    parameters: dict[str, Any]


def _parameters(parameters: ChatParameters | None) -> dict[str, Any]:
    return {} if parameters is None else parameters.model_dump(exclude_none=True)


def resolve_target(
    team_id: str,
    user_id: str,
    *,
    provider: str | None,
    model: str | None,
    parameters: ChatParameters | None,
    session_id: str | None,
    defaults: tuple[str | None, str | None] = (None, None),
) -> ChatTarget:
    """The provider and model asked for, else the session's configuration, else
    `defaults` (a conversation's), else the team's default provider and its default model,
    else the built-in template generator; the session's parameters under the request's."""
    session = store.get_session(team_id, user_id, session_id) if session_id else None
    chosen_model = model
    if provider is None and session is not None:
        provider, chosen_model = session.provider, model or session.model
    if provider is None and defaults[0] is not None:
        provider, chosen_model = defaults[0], model or defaults[1]
    if provider is None:
        from shared.team_settings import get_team_settings

        # Else the built-in template generator, as a new team's default agents use: a
        # first chat is answered (and says what answered it) before any provider is set.
        provider = get_team_settings(team_id).default_provider or TEMPLATES
    name, checked = check_target(team_id, provider, chosen_model)
    merged = {**(session.parameters if session else {}), **_parameters(parameters)}
    return ChatTarget(name, checked, merged)


# Tickets.


def create_ticket(team_id: str, user_id: str, body: ChatRequest) -> Ticket:
    target = resolve_target(
        team_id,
        user_id,
        provider=body.provider,
        model=body.model,
        parameters=body.parameters,
        session_id=body.session_id,
    )
    ticket = store.create_ticket(
        Ticket(
            team_id=team_id,
            ticket_id=new_id(),
            user_id=user_id,
            status=PENDING,
            provider=target.provider,
            model=target.model,
            messages=tuple(ChatMessage(m.role, m.content) for m in body.messages),
            parameters=target.parameters,
            session_id=body.session_id,
        )
    )
    return queue_ticket(ticket)


def get_ticket(team_id: str, user_id: str, ticket_id: str) -> Ticket:
    ticket = store.get_ticket(team_id, ticket_id)
    if ticket is None or ticket.user_id != user_id:
        raise NotFound(f"ticket {ticket_id} not found")
    return ticket


# Session configurations.


def save_session(
    team_id: str,
    user_id: str,
    session_id: str,
    provider: str,
    model: str | None,
    parameters: ChatParameters | None,
) -> tuple[SessionConfig, bool]:
    name, checked = check_target(team_id, provider, model)
    return store.save_session(
        SessionConfig(
            team_id=team_id,
            user_id=user_id,
            session_id=session_id,
            provider=name,
            model=checked,
            parameters=_parameters(parameters),
        )
    )


def get_session(team_id: str, user_id: str, session_id: str) -> SessionConfig:
    session = store.get_session(team_id, user_id, session_id)
    if session is None:
        raise NotFound(f"session {session_id} has no configuration")
    return session


def delete_session(team_id: str, user_id: str, session_id: str) -> None:
    if not store.delete_session(team_id, user_id, session_id):
        raise NotFound(f"session {session_id} not found")


# Conversations.


def create_conversation(team_id: str, user_id: str, body: ConversationCreate) -> Conversation:
    provider, model = body.provider, body.model
    if provider is not None:
        provider, model = check_target(team_id, provider, model)
    elif model is not None:
        raise Unprocessable("model needs provider: name the provider that offers it")
    now = utcnow()
    return store.create_conversation(
        Conversation(
            team_id=team_id,
            user_id=user_id,
            conversation_id=new_id(),
            title=body.title or DEFAULT_TITLE,
            provider=provider,
            model=model,
            message_count=0,
            created_at=now,
            updated_at=now,
        )
    )


def list_conversations(
    team_id: str, user_id: str, params: PageParams
) -> tuple[list[Conversation], int, str | None]:
    return store.list_conversations(team_id, user_id, params)


def get_conversation(team_id: str, user_id: str, conversation_id: str) -> Conversation:
    conversation = store.get_conversation(team_id, user_id, conversation_id)
    if conversation is None:
        raise NotFound(f"conversation {conversation_id} not found")
    return conversation


def delete_conversation(team_id: str, user_id: str, conversation_id: str) -> None:
    get_conversation(team_id, user_id, conversation_id)
    if not store.delete_conversation(team_id, user_id, conversation_id):
        raise NotFound(f"conversation {conversation_id} not found")


def list_messages(
    team_id: str, user_id: str, conversation_id: str, params: PageParams
) -> tuple[list[ConversationMessage], int, str | None]:
    get_conversation(team_id, user_id, conversation_id)
    return store.list_messages(team_id, conversation_id, params)


def send_message(
    team_id: str, user_id: str, conversation_id: str, body: MessageSend
) -> tuple[ConversationMessage, Ticket]:
    """Store the user's message and its ticket (one transaction with the conversation's
    count), then queue the ticket: the reply is appended when the consumer answers it."""
    conversation = get_conversation(team_id, user_id, conversation_id)
    target = resolve_target(
        team_id,
        user_id,
        provider=None,
        model=None,
        parameters=body.parameters,
        session_id=None,
        defaults=(conversation.provider, conversation.model),
    )
    recent = history(team_id, conversation_id)
    now = utcnow()
    # The reply's id is the ticket's (shared.chat.store.complete_ticket), made just after
    # the message's: the reply sorts right after the question it answers.
    message_id = new_id()
    ticket_id = new_id()
    message = ConversationMessage(
        conversation_id=conversation_id,
        message_id=message_id,
        role="user",
        content=body.content,
        ticket_id=ticket_id,
        created_at=now,
    )
    ticket = store.add_user_message(
        conversation,
        message,
        Ticket(
            team_id=team_id,
            ticket_id=ticket_id,
            user_id=user_id,
            status=PENDING,
            provider=target.provider,
            model=target.model,
            messages=(*recent, ChatMessage("user", body.content)),
            parameters=target.parameters,
            conversation_id=conversation_id,
        ),
    )
    return message, queue_ticket(ticket)
