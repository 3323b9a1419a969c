"""The chat group's app: `POST /chat` → a ticket a queue consumer answers through the
router, `GET /chat/{ticket_id}`; a session's provider configuration; conversations and
their messages. Every ticket, session and conversation is the caller's own: another
user's, of the same team or not, is 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Response

from functions.chat import service
from functions.chat.schemas import (
    SESSION_ID_PATTERN,
    ChatRequest,
    ConversationCreate,
    ConversationPublic,
    MessagePublic,
    MessageSend,
    MessageSent,
    ProviderConfigIn,
    SessionConfigPublic,
    SessionDeleted,
    TicketCreated,
    TicketPublic,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.chat.domain import Conversation, ConversationMessage, SessionConfig, Ticket
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer

router = group_router(tags=["chat"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)
# 409: the provider chosen is disabled; 503: the queue refused.
_TICKET = error_responses(409, 503)
SessionPath = Annotated[str, Path(pattern=SESSION_ID_PATTERN)]


def _ticket(ticket: Ticket) -> dict[str, Any]:
    return {
        "ticket_id": ticket.ticket_id,
        "status": ticket.status,
        "result": ticket.result,
        "error": ticket.error,
        "provider": ticket.provider,
        "model": ticket.model,
        "session_id": ticket.session_id,
        "conversation_id": ticket.conversation_id,
        "tokens": ticket.tokens,
        "cost_usd": ticket.cost_usd,
        "created_at": ticket.created_at,
        "completed_at": ticket.completed_at,
    }


def _session(session: SessionConfig) -> dict[str, Any]:
    return {
        "session_id": session.session_id,
        "provider": session.provider,
        "model": session.model,
        "parameters": session.parameters,
        "created_at": session.created_at,
        "updated_at": session.updated_at,
    }


def _conversation(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.conversation_id,
        "title": conversation.title,
        "provider": conversation.provider,
        "model": conversation.model,
        "message_count": conversation.message_count,
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
    }


def _message(message: ConversationMessage) -> dict[str, Any]:
    return {
        "id": message.message_id,
        "conversation_id": message.conversation_id,
        "role": message.role,
        "content": message.content,
        "ticket_id": message.ticket_id,
        "created_at": message.created_at,
    }


# Conversations first: `/chat/conversations` must not be read as a ticket id.


@router.get(
    "/chat/conversations",
    response_model=Page[ConversationPublic],
    responses=LIST_RESPONSES,
    summary="The caller's conversations, newest first",
)
async def list_conversations(principal: CurrentPrincipal, params: Pagination) -> dict[str, Any]:
    items, total, cursor = service.list_conversations(principal.team_id, principal.subject, params)
    return page_answer([_conversation(item) for item in items], total, params, cursor)


@router.post(
    "/chat/conversations",
    status_code=201,
    response_model=ConversationPublic,
    responses=error_responses(409),
    summary="Start a conversation (optionally with its own provider and model)",
)
async def create_conversation(
    principal: CurrentPrincipal, body: ConversationCreate | None = None
) -> dict[str, Any]:
    conversation = service.create_conversation(
        principal.team_id, principal.subject, body or ConversationCreate()
    )
    return _conversation(conversation)


@router.delete(
    "/chat/conversations/{conversation_id}",
    status_code=204,
    response_class=Response,
    responses=_FOUND,
    summary="Delete a conversation and its messages",
)
async def delete_conversation(conversation_id: str, principal: CurrentPrincipal) -> Response:
    service.delete_conversation(principal.team_id, principal.subject, conversation_id)
    return Response(status_code=204)


@router.get(
    "/chat/conversations/{conversation_id}/messages",
    response_model=Page[MessagePublic],
    responses={**LIST_RESPONSES, **_FOUND},
    summary="A conversation's messages, oldest first",
)
async def list_messages(
    conversation_id: str, principal: CurrentPrincipal, params: Pagination
) -> dict[str, Any]:
    items, total, cursor = service.list_messages(
        principal.team_id, principal.subject, conversation_id, params
    )
    return page_answer([_message(item) for item in items], total, params, cursor)


@router.post(
    "/chat/conversations/{conversation_id}/messages",
    status_code=202,
    response_model=MessageSent,
    responses={**_FOUND, **_TICKET},
    summary="Send a message: stored now, the model's reply appended when its ticket is done",
)
async def send_message(
    conversation_id: str, body: MessageSend, principal: CurrentPrincipal
) -> dict[str, Any]:
    message, ticket = service.send_message(
        principal.team_id, principal.subject, conversation_id, body
    )
    return {"message": _message(message), "ticket_id": ticket.ticket_id, "status": ticket.status}


@router.post(
    "/chat",
    status_code=202,
    response_model=TicketCreated,
    responses=_TICKET,
    summary="Ask a model: answered with a ticket, processed in the background",
)
async def create_ticket(body: ChatRequest, principal: CurrentPrincipal) -> dict[str, Any]:
    ticket = service.create_ticket(principal.team_id, principal.subject, body)
    return {"ticket_id": ticket.ticket_id, "status": ticket.status}


@router.get(
    "/chat/{ticket_id}",
    response_model=TicketPublic,
    responses=_FOUND,
    summary="A ticket: pending, or its result or error (kept 7 days)",
)
async def get_ticket(ticket_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
    return _ticket(service.get_ticket(principal.team_id, principal.subject, ticket_id))


@router.post(
    "/sessions/{session_id}/config",
    response_model=SessionConfigPublic,
    responses=error_responses(409),
    summary="Set the session's provider, model and parameters (created or replaced)",
)
async def save_session(
    session_id: SessionPath, body: ProviderConfigIn, principal: CurrentPrincipal
) -> dict[str, Any]:
    session, _created = service.save_session(
        principal.team_id,
        principal.subject,
        session_id,
        body.provider,
        body.model,
        body.parameters,
    )
    return _session(session)


@router.get(
    "/sessions/{session_id}/config",
    response_model=SessionConfigPublic,
    responses=_FOUND,
    summary="The session's provider configuration",
)
async def get_session(session_id: SessionPath, principal: CurrentPrincipal) -> dict[str, Any]:
    return _session(service.get_session(principal.team_id, principal.subject, session_id))


@router.delete(
    "/sessions/{session_id}",
    response_model=SessionDeleted,
    responses=_FOUND,
    summary="Delete the session's configuration",
)
async def delete_session(session_id: SessionPath, principal: CurrentPrincipal) -> dict[str, Any]:
    service.delete_session(principal.team_id, principal.subject, session_id)
    return {"message": "Session deleted"}


app = create_app("chat", router)
