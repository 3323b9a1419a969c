"""Support chat: a storefront visitor opens a session on a listed product (public, limited
per address) and gets a token that every later call of the session carries
(`X-AIF-Support-Token`); messages are answered by the product's support agent through the
seller's router, asynchronously. The seller's admins work the support queue. HTTP shapes
only; the rules are shared.support.service's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Query, Request

from functions.support.schemas import (
    SupportEscalation,
    SupportMessagePublic,
    SupportMessageSend,
    SupportMessageSent,
    SupportQueueItem,
    SupportQueueParams,
    SupportReply,
    SupportSessionOpen,
    SupportSessionOpened,
    SupportSessionPublic,
    message_public,
    queue_item,
    reply_public,
    session_public,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.path_ids import IdPath
from shared.ratelimit import Limit, client_ip
from shared.support import service
from shared.support.domain import TOKEN_HEADER

router = group_router(tags=["support"])
# A visitor opens a few sessions and talks at a person's pace; more from one address is a
# script (each message costs the seller a model call).
SESSIONS_PER_IP = Limit("support-session-ip", requests=10, window_seconds=3600)
MESSAGES_PER_IP = Limit("support-message-ip", requests=20, window_seconds=60)

SupportToken = Annotated[
    str | None,
    Header(
        alias=TOKEN_HEADER,
        description="the token the session's creation answered (401 without it)",
    ),
]

_SESSION = error_responses(401, 404, 422)
_SESSION[401]["description"] = "No X-AIF-Support-Token, or not this session's"
_SESSION[404]["description"] = "No such support session"
_CHANGE = {**_SESSION, **error_responses(409)}
_CHANGE[409]["description"] = "The session is closed"
_OPEN = error_responses(404, 422, 429)
_OPEN[404]["description"] = "No listed product with this id"
_OPEN[429]["description"] = "Too many sessions from this address"
_SEND = {**_CHANGE, **error_responses(429, 503)}
_SEND[404]["description"] = "No such support session (or its product was withdrawn)"
_SEND[429]["description"] = "Too many messages from this address"
_SEND[503]["description"] = "The reply could not be queued: send the message again"


def _authorised(session_id: str, token: str | None) -> Any:
    return service.authorised_session(session_id, token)


@router.post(
    "/support/sessions",
    status_code=201,
    response_model=SupportSessionOpened,
    responses=_OPEN,
    summary="Open a support chat about a listed product; its token is shown only here",
)
async def open_session(body: SupportSessionOpen, request: Request) -> SupportSessionOpened:
    SESSIONS_PER_IP.hit(client_ip(request))
    session, token = service.open_session(body.product_id, body.email)
    return SupportSessionOpened(**session_public(session).model_dump(), token=token)


@router.get(
    "/support/sessions/{support_session_id}",
    response_model=SupportSessionPublic,
    responses=_SESSION,
    summary="A support session (its token required)",
)
async def get_session(
    support_session_id: IdPath, token: SupportToken = None
) -> SupportSessionPublic:
    return session_public(_authorised(support_session_id, token))


@router.post(
    "/support/sessions/{support_session_id}/messages",
    status_code=202,
    response_model=SupportMessageSent,
    responses=_SEND,
    summary="Ask the support agent; its reply comes asynchronously (GET .../replies/{id})",
)
async def send_message(
    support_session_id: IdPath,
    body: SupportMessageSend,
    request: Request,
    token: SupportToken = None,
) -> SupportMessageSent:
    session = _authorised(support_session_id, token)
    MESSAGES_PER_IP.hit(client_ip(request))
    message, ticket = service.send_message(session, body.content)
    return SupportMessageSent(message=message_public(message), reply_id=ticket.ticket_id)


@router.get(
    "/support/sessions/{support_session_id}/messages",
    response_model=Page[SupportMessagePublic],
    responses={**LIST_RESPONSES, **_SESSION},
    summary="The session's messages, oldest first: the visitor's, the agent's, the seller's",
)
async def list_messages(
    support_session_id: IdPath, params: Pagination, token: SupportToken = None
) -> dict[str, Any]:
    items, total, cursor = service.messages(_authorised(support_session_id, token), params)
    return page_answer([message_public(item) for item in items], total, params, cursor)


@router.get(
    "/support/sessions/{support_session_id}/replies/{reply_id}",
    response_model=SupportReply,
    responses=_SESSION,
    summary="The agent's reply to a message: pending, completed (its text) or failed (why)",
)
async def get_reply(
    support_session_id: IdPath, reply_id: IdPath, token: SupportToken = None
) -> SupportReply:
    return reply_public(service.reply(_authorised(support_session_id, token), reply_id))


@router.post(
    "/support/sessions/{support_session_id}/escalate",
    response_model=SupportSessionPublic,
    responses=_CHANGE,
    summary="Ask for a person: the session joins the seller's support queue",
)
async def escalate(
    support_session_id: IdPath, body: SupportEscalation | None = None, token: SupportToken = None
) -> SupportSessionPublic:
    session = _authorised(support_session_id, token)
    return session_public(service.escalate(session, body.reason if body else None))


@router.post(
    "/support/sessions/{support_session_id}/close",
    response_model=SupportSessionPublic,
    responses=_SESSION,
    summary="End the support session (closing it again changes nothing)",
)
async def close(support_session_id: IdPath, token: SupportToken = None) -> SupportSessionPublic:
    return session_public(service.close(_authorised(support_session_id, token)))


# The seller's support queue (admins).

_QUEUED = error_responses(404, 422)
_QUEUED[404]["description"] = "No support session of this team with this id"


@router.get(
    "/admin/support-queue",
    response_model=Page[SupportQueueItem],
    responses=LIST_RESPONSES,
    summary="The team's support sessions of one status (escalated: waiting for a person), "
    "most recent activity first (admins)",
)
async def list_queue(
    principal: AdminPrincipal, params: Annotated[SupportQueueParams, Query()]
) -> dict[str, Any]:
    items, total, cursor = service.queue(principal.team_id, params.status, params)
    return page_answer([queue_item(item) for item in items], total, params, cursor)


@router.get(
    "/admin/support-queue/{support_session_id}",
    response_model=SupportQueueItem,
    responses=_QUEUED,
    summary="One of the team's support sessions (admins)",
)
async def get_queued(support_session_id: IdPath, principal: AdminPrincipal) -> SupportQueueItem:
    return queue_item(service.team_session(principal.team_id, support_session_id))


@router.get(
    "/admin/support-queue/{support_session_id}/messages",
    response_model=Page[SupportMessagePublic],
    responses={**LIST_RESPONSES, **_QUEUED},
    summary="A support session's messages, oldest first (admins)",
)
async def queued_messages(
    support_session_id: IdPath, principal: AdminPrincipal, params: Pagination
) -> dict[str, Any]:
    session = service.team_session(principal.team_id, support_session_id)
    items, total, cursor = service.messages(session, params)
    return page_answer([message_public(item) for item in items], total, params, cursor)


_REPLY = {**_QUEUED, **error_responses(409)}
_REPLY[409]["description"] = "The session is closed"


@router.post(
    "/admin/support-queue/{support_session_id}/reply",
    status_code=201,
    response_model=SupportMessagePublic,
    responses=_REPLY,
    summary="Answer the visitor as a person of the team (admins)",
)
async def staff_reply(
    support_session_id: IdPath, body: SupportMessageSend, principal: AdminPrincipal
) -> SupportMessagePublic:
    return message_public(service.staff_reply(principal.team_id, support_session_id, body.content))


@router.post(
    "/admin/support-queue/{support_session_id}/close",
    response_model=SupportQueueItem,
    responses=_QUEUED,
    summary="Close a support session (admins)",
)
async def staff_close(support_session_id: IdPath, principal: AdminPrincipal) -> SupportQueueItem:
    return queue_item(service.staff_close(principal.team_id, support_session_id))


app = create_app("support", router)
