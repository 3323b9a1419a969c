"""The /collaboration routes of the messages group (seed 003 Collaboration): sessions in
which agents of a team post messages and share a context, listed by status and closed.
Another team's session or agent is 404; a closed session takes nothing more (409), nor
does a session from an agent that is not one of its participants (409: it depends on the
session, not on the request's shape)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from functions.messages.collaboration_schemas import (
    CollaborationCreate,
    CollaborationDetail,
    CollaborationListParams,
    CollaborationMessageCreate,
    CollaborationMessagePublic,
    CollaborationPublic,
    CollaborationSummary,
    ContextUpdate,
)
from functions.messages.schemas import ID_PATTERN
from shared.app_factory import group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.collaboration import service
from shared.collaboration.domain import MAX_CONTEXT_BYTES, Session, SessionMessage
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, PageParams, page_answer

router = group_router(tags=["collaboration"], responses=error_responses(401, 403, 422))

SessionId = Annotated[str, Path(pattern=ID_PATTERN)]

_FOUND = error_responses(404)
_FOUND[404]["description"] = "No such session (or agent) in the caller's team"
_CLOSED = error_responses(409)
_CLOSED[409]["description"] = "The session is closed"
_TOO_LARGE = error_responses(413)
_TOO_LARGE[413]["description"] = (
    f"The shared context would be over {MAX_CONTEXT_BYTES} bytes as JSON (or the request "
    "body over the kernel's cap)"
)


def _summary(session: Session) -> dict[str, Any]:
    return {
        "id": session.session_id,
        "name": session.name,
        "description": session.description,
        "participants": list(session.participants),
        "status": session.status,
        "created_by": session.created_by,
        "created_at": session.created_at,
        "closed_at": session.closed_at,
    }


def _session(session: Session) -> dict[str, Any]:
    return {
        **_summary(session),
        "context": session.context,
        "updated_at": session.updated_at,
        "message_count": session.message_count,
    }


def _message(message: SessionMessage) -> dict[str, Any]:
    return {
        "id": message.message_id,
        "session_id": message.session_id,
        "agent_id": message.agent_id,
        "message": message.message,
        "message_type": message.message_type,
        "created_at": message.created_at,
    }


@router.get(
    "/collaboration",
    response_model=Page[CollaborationSummary],
    responses=LIST_RESPONSES,
    summary="The team's collaboration sessions, newest first, or those in one status",
)
async def list_sessions(
    principal: CurrentPrincipal, params: Annotated[CollaborationListParams, Query()]
) -> dict[str, Any]:
    items, total, cursor = service.list_sessions(principal.team_id, params, status=params.status)
    return page_answer([_summary(item) for item in items], total, params, cursor)


@router.post(
    "/collaboration",
    status_code=201,
    response_model=CollaborationPublic,
    responses={**_FOUND, **error_responses(409), **_TOO_LARGE},
    summary="Open a collaboration session between agents of the team",
)
async def create_session(body: CollaborationCreate, principal: CurrentPrincipal) -> dict[str, Any]:
    session = service.create_session(
        principal.team_id,
        principal.subject,
        name=body.name,
        description=body.description,
        participants=body.participants,
        initial_context=body.initial_context,
    )
    return _session(session)


@router.get(
    "/collaboration/{collaboration_id}",
    response_model=CollaborationDetail,
    responses=_FOUND,
    summary="A session: its participants, shared context, status and newest messages",
)
async def get_session(collaboration_id: SessionId, principal: CurrentPrincipal) -> dict[str, Any]:
    params = PageParams()
    session, messages, total, cursor = service.list_messages(
        principal.team_id, collaboration_id, params
    )
    page = page_answer([_message(item) for item in messages], total, params, cursor)
    return {**_session(session), "messages": page}


@router.get(
    "/collaboration/{collaboration_id}/messages",
    response_model=Page[CollaborationMessagePublic],
    responses={**LIST_RESPONSES, **_FOUND},
    summary="A session's messages, newest first",
)
async def list_messages(
    collaboration_id: SessionId,
    principal: CurrentPrincipal,
    params: Annotated[PageParams, Query()],
) -> dict[str, Any]:
    _, messages, total, cursor = service.list_messages(principal.team_id, collaboration_id, params)
    return page_answer([_message(item) for item in messages], total, params, cursor)


_POST_CONFLICT = error_responses(409)
_POST_CONFLICT[409]["description"] = (
    "The session is closed, or the agent is one of the team's but not a participant"
)


@router.post(
    "/collaboration/{collaboration_id}/messages",
    status_code=201,
    response_model=CollaborationMessagePublic,
    responses={**_FOUND, **_POST_CONFLICT},
    summary="Post a participant's message in a session",
)
async def post_message(
    collaboration_id: SessionId, body: CollaborationMessageCreate, principal: CurrentPrincipal
) -> dict[str, Any]:
    message = service.post_message(
        principal.team_id,
        collaboration_id,
        agent_id=body.agent_id,
        message=body.message,
        message_type=body.message_type,
    )
    return _message(message)


@router.post(
    "/collaboration/{collaboration_id}/context",
    response_model=CollaborationPublic,
    responses={**_FOUND, **_CLOSED, **_TOO_LARGE},
    summary="Merge keys into a session's shared context (a null value removes its key)",
)
async def update_context(
    collaboration_id: SessionId, body: ContextUpdate, principal: CurrentPrincipal
) -> dict[str, Any]:
    return _session(service.update_context(principal.team_id, collaboration_id, body.root))


@router.post(
    "/collaboration/{collaboration_id}/close",
    response_model=CollaborationPublic,
    responses={**_FOUND, **_CLOSED},
    summary="Close a session (it then takes no message and no context change)",
)
async def close_session(collaboration_id: SessionId, principal: CurrentPrincipal) -> dict[str, Any]:
    return _session(service.close_session(principal.team_id, collaboration_id))
