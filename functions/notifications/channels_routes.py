"""/notifications/channels: an admin's channels (in_app, email, slack, telegram, webhook),
their CRUD and a test notification sent now. Secrets are taken, never answered (a webhook
channel's signing secret once, at creation). Another team's channel is 404."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from functions.notifications import channels_service as service
from functions.notifications.channels_schemas import (
    ChannelCreate,
    ChannelCreated,
    ChannelPublic,
    ChannelReplace,
    ChannelTestOutcome,
)
from shared.app_factory import group_router
from shared.auth.dependencies import AdminPrincipal
from shared.errors import error_responses
from shared.notifications.channel_domain import Channel, Recipient
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer

router = group_router(tags=["notification channels"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)
# A route that writes or reads a channel's secret: Secrets Manager out of reach is a 503.
_SECRETS = error_responses(503)
_SECRETS[503]["description"] = "The channel's secret store is unavailable; try again shortly"
CHANNELS = "/notifications/channels"


def _public(channel: Channel) -> dict[str, Any]:
    return {
        "id": channel.id,
        "name": channel.name,
        "type": channel.type,
        "config": channel.public_config(),
        "enabled": channel.enabled,
        "created_at": channel.created_at,
        "updated_at": channel.updated_at,
    }


@router.get(
    CHANNELS,
    response_model=Page[ChannelPublic],
    responses=LIST_RESPONSES,
    summary="The team's notification channels, oldest first (secrets masked)",
)
async def list_channels(principal: AdminPrincipal, params: Pagination) -> dict[str, Any]:
    items, total, cursor = service.list_channels(principal.team_id, params)
    return page_answer([_public(item) for item in items], total, params, cursor)


@router.post(
    CHANNELS,
    status_code=201,
    response_model=ChannelCreated,
    responses=_SECRETS,
    summary="Add a channel: its secrets go to Secrets Manager (a webhook channel's signing "
    "secret is shown only here)",
)
async def create_channel(body: ChannelCreate, principal: AdminPrincipal) -> dict[str, Any]:
    channel, signing_secret = service.create_channel(
        principal.team_id,
        body.name,
        body.type,
        body.config.model_dump(exclude_unset=True),
        body.enabled,
    )
    return {**_public(channel), "signing_secret": signing_secret}


@router.get(
    CHANNELS + "/{channel_id}",
    response_model=ChannelPublic,
    responses=_FOUND,
    summary="A channel (secrets masked)",
)
async def get_channel(channel_id: str, principal: AdminPrincipal) -> dict[str, Any]:
    return _public(service.get_channel(principal.team_id, channel_id))


@router.put(
    CHANNELS + "/{channel_id}",
    response_model=ChannelPublic,
    responses={**error_responses(404, 409), **_SECRETS},
    summary="Replace a channel's name, type, config and state (a secret left out is kept "
    "while the type stays)",
)
async def replace_channel(
    channel_id: str, body: ChannelReplace, principal: AdminPrincipal
) -> dict[str, Any]:
    channel = service.replace_channel(
        principal.team_id,
        channel_id,
        body.name,
        body.type,
        body.config.model_dump(exclude_unset=True),
        body.enabled,
    )
    return _public(channel)


@router.delete(
    CHANNELS + "/{channel_id}",
    status_code=204,
    response_class=Response,
    responses={**error_responses(404, 409), **_SECRETS},
    summary="Delete a channel and its secrets: nothing more is sent through it",
)
async def delete_channel(channel_id: str, principal: AdminPrincipal) -> Response:
    service.delete_channel(principal.team_id, channel_id)
    return Response(status_code=204)


@router.post(
    CHANNELS + "/{channel_id}/test",
    response_model=ChannelTestOutcome,
    responses={**_FOUND, **_SECRETS},
    summary="Send a test notification through the channel now and answer what came of it "
    "(e-mail without its own `to` goes to the caller)",
)
async def test_channel(channel_id: str, principal: AdminPrincipal) -> dict[str, Any]:
    caller = (
        Recipient(user_id=principal.subject, email=principal.email) if principal.email else None
    )
    delivery = service.send_test(principal.team_id, channel_id, caller)
    last = delivery.attempts[-1]
    return {
        "delivery_id": delivery.id,
        "status": delivery.status,
        "response_code": last.response_code,
        "error": last.error,
    }
