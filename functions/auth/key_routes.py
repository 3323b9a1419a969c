"""Credential routes: API keys (`/security/api-keys`) and agent tokens
(`/security/agent-tokens`). The secret is in the creation answer only."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from functions.auth import keys
from functions.auth.schemas import (
    AgentTokenCreate,
    ApiKeyCreate,
    CredentialCreated,
    CredentialPublic,
)
from shared.app_factory import group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.errors import error_responses
from shared.identity import opaque
from shared.identity.domain import Credential
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.ratelimit import client_ip

router = group_router(tags=["security"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)


def credential_public(item: Credential) -> dict[str, Any]:
    return CredentialPublic(
        id=item.credential_id,
        name=item.name,
        kind=item.kind,
        prefix=item.prefix,
        role=item.role,
        scopes=sorted(item.scopes or ()),
        agent_id=item.agent_id,
        created_by=item.created_by,
        created_at=item.created_at,
        last_used_at=item.last_used_at,
        revoked_at=item.revoked_at,
    ).model_dump(mode="json")


def _created(created: keys.Created) -> CredentialCreated:
    return CredentialCreated(**credential_public(created.credential), key=created.secret)


@router.post(
    "/security/api-keys",
    status_code=201,
    response_model=CredentialCreated,
    summary="Create an API key (usable as Bearer); the key is shown this once",
)
async def create_api_key(
    body: ApiKeyCreate, principal: CurrentPrincipal, request: Request
) -> CredentialCreated:
    created = keys.create(
        principal, opaque.API_KEY, body.name, scopes=set(body.scopes), ip=client_ip(request)
    )
    return _created(created)


@router.get(
    "/security/api-keys",
    response_model=Page[CredentialPublic],
    responses=LIST_RESPONSES,
    summary="API keys (yours; an admin sees the team's)",
)
async def list_api_keys(principal: CurrentPrincipal, page: Pagination) -> dict[str, Any]:
    items, total, cursor = keys.listing(principal, opaque.API_KEY, page)
    return page_answer([credential_public(item) for item in items], total, page, cursor)


@router.get("/security/api-keys/{key_id}", response_model=CredentialPublic, responses=_FOUND)
async def get_api_key(key_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
    return credential_public(keys.get(principal, opaque.API_KEY, key_id))


@router.delete(
    "/security/api-keys/{key_id}", status_code=204, responses=_FOUND, summary="Revoke a key"
)
async def revoke_api_key(key_id: str, principal: CurrentPrincipal, request: Request) -> Response:
    keys.revoke(principal, opaque.API_KEY, key_id, client_ip(request))
    return Response(status_code=204)


@router.post(
    "/security/agent-tokens",
    status_code=201,
    response_model=CredentialCreated,
    summary="Create an agent identity's X-Agent-Token (admins); shown this once",
)
async def create_agent_token(
    body: AgentTokenCreate, principal: AdminPrincipal, request: Request
) -> CredentialCreated:
    created = keys.create(
        principal, opaque.AGENT_TOKEN, body.name, agent_id=body.agent_id, ip=client_ip(request)
    )
    return _created(created)


@router.get(
    "/security/agent-tokens",
    response_model=Page[CredentialPublic],
    responses=LIST_RESPONSES,
    summary="Agent tokens of the team",
)
async def list_agent_tokens(principal: AdminPrincipal, page: Pagination) -> dict[str, Any]:
    items, total, cursor = keys.listing(principal, opaque.AGENT_TOKEN, page)
    return page_answer([credential_public(item) for item in items], total, page, cursor)


@router.get("/security/agent-tokens/{token_id}", response_model=CredentialPublic, responses=_FOUND)
async def get_agent_token(token_id: str, principal: AdminPrincipal) -> dict[str, Any]:
    return credential_public(keys.get(principal, opaque.AGENT_TOKEN, token_id))


@router.delete(
    "/security/agent-tokens/{token_id}",
    status_code=204,
    responses=_FOUND,
    summary="Revoke an agent token",
)
async def revoke_agent_token(
    token_id: str, principal: AdminPrincipal, request: Request
) -> Response:
    keys.revoke(principal, opaque.AGENT_TOKEN, token_id, client_ip(request))
    return Response(status_code=204)
