"""Inbound webhook sources: `/webhooks/sources` (create, list, read, delete) and the events
each received. Members read; creating and deleting a source (its secret) needs an admin.

The webhooks group's app serves this router before its own, so `/webhooks/sources` is
matched here and never taken for `/webhooks/{id}`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from functions.webhooks.sources_schemas import (
    HmacSourceCreate,
    InboundEventPublic,
    SourceCreate,
    SourceCreated,
    SourcePublic,
)
from shared.app_factory import API_V1, group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.errors import error_responses
from shared.hooks import service
from shared.hooks.domain import InboundEvent, Source
from shared.hooks.payloads import payload_url
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer

router = group_router(tags=["webhook sources"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)


def _url(request: Request, source_id: str) -> str:
    return f"{str(request.base_url).rstrip('/')}{API_V1}/hooks/{source_id}"


def _public(source: Source, request: Request) -> dict[str, Any]:
    return {
        "id": source.id,
        "name": source.name,
        "scheme": source.scheme,
        "header": source.header,
        "url": _url(request, source.id),
        "created_at": source.created_at,
    }


def _event(event: InboundEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "received_at": event.received_at,
        "payload": event.payload,
        "payload_url": payload_url(event.payload_key) if event.payload_key else None,
    }


@router.post(
    "/webhooks/sources",
    status_code=201,
    response_model=SourceCreated,
    summary="Create an inbound webhook source (its secret is shown only here)",
)
async def create_source(
    body: SourceCreate, principal: AdminPrincipal, request: Request
) -> dict[str, Any]:
    header = body.header if isinstance(body, HmacSourceCreate) else None
    source = service.create_source(principal.team_id, body.name, body.scheme, header, body.secret)
    return {**_public(source, request), "secret": source.secret}


@router.get(
    "/webhooks/sources",
    response_model=Page[SourcePublic],
    responses=LIST_RESPONSES,
    summary="The team's inbound webhook sources, oldest first",
)
async def list_sources(
    principal: CurrentPrincipal, params: Pagination, request: Request
) -> dict[str, Any]:
    sources, total, cursor = service.list_sources(principal.team_id, params)
    return page_answer([_public(source, request) for source in sources], total, params, cursor)


@router.get(
    "/webhooks/sources/{source_id}",
    response_model=SourcePublic,
    responses=_FOUND,
    summary="An inbound webhook source (without its secret)",
)
async def get_source(
    source_id: str, principal: CurrentPrincipal, request: Request
) -> dict[str, Any]:
    return _public(service.get_source(principal.team_id, source_id), request)


@router.delete(
    "/webhooks/sources/{source_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(404, 409),
    summary="Delete an inbound webhook source: its URL answers 404 from now on",
)
async def delete_source(source_id: str, principal: AdminPrincipal) -> Response:
    service.delete_source(principal.team_id, source_id)
    return Response(status_code=204)


@router.get(
    "/webhooks/sources/{source_id}/events",
    response_model=Page[InboundEventPublic],
    responses={**LIST_RESPONSES, **_FOUND},
    summary="The events a source received in the last 7 days, newest first",
)
async def list_source_events(
    source_id: str, principal: CurrentPrincipal, params: Pagination
) -> dict[str, Any]:
    events, total, cursor = service.list_events(principal.team_id, source_id, params)
    return page_answer([_event(event) for event in events], total, params, cursor)
