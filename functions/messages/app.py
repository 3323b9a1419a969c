"""The messages group's app (seed 003 Messages): an agent sends another agent of the team
a message on a channel; the team lists them by recipient and channel, newest first and
paginated (one Query however long the history), and marks them read. Another team's
agent or message is 404. The group also serves /collaboration
(functions.messages.collaboration)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Path, Query

from functions.messages import collaboration, service
from functions.messages.schemas import (
    ID_PATTERN,
    AgentMessageListParams,
    AgentMessagePublic,
    AgentMessageSend,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.errors import error_responses
from shared.messages.domain import AgentMessage
from shared.pagination import LIST_RESPONSES, Page, page_answer

router = group_router(tags=["messages"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)


def _message(message: AgentMessage) -> dict[str, Any]:
    answer = asdict(message)
    answer["id"] = answer.pop("message_id")
    answer.pop("team_id")
    return answer


@router.post(
    "/messages/send",
    status_code=201,
    response_model=AgentMessagePublic,
    responses={**_FOUND, **error_responses(409)},
    summary="Send a message from one of the team's agents to another",
)
async def send(body: AgentMessageSend, principal: CurrentPrincipal) -> dict[str, Any]:
    return _message(service.send(principal.team_id, body))


@router.get(
    "/messages",
    response_model=Page[AgentMessagePublic],
    responses=LIST_RESPONSES,
    summary="The team's agent messages, newest first: to an agent, on a channel, or both",
)
async def list_messages(
    principal: CurrentPrincipal, params: Annotated[AgentMessageListParams, Query()]
) -> dict[str, Any]:
    items, total, cursor = service.list_messages(
        principal.team_id, params, agent_id=params.agent_id, channel=params.channel
    )
    return page_answer([_message(item) for item in items], total, params, cursor)


@router.patch(
    "/messages/{message_id}/read",
    response_model=AgentMessagePublic,
    responses=_FOUND,
    summary="Mark a message read (a message read already keeps its first mark)",
)
async def mark_read(
    message_id: Annotated[str, Path(pattern=ID_PATTERN)], principal: CurrentPrincipal
) -> dict[str, Any]:
    return _message(service.mark_read(principal.team_id, message_id))


app = create_app("messages", router, collaboration.router)
