"""The auth group's app: accounts and sessions, service tokens and public keys, credentials,
security administration, team administration. Routes live in the *_routes modules; the
rules in their services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Request

from functions.auth import (
    account_routes,
    admin_routes,
    client_log_routes,
    key_routes,
    security_routes,
    service_tokens,
)
from functions.auth.schemas import ServiceTokenAnswer, TokenRequest
from shared.app_factory import create_app, group_router
from shared.auth.signing import public_jwks
from shared.errors import error_responses
from shared.ratelimit import client_ip

router = group_router(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=ServiceTokenAnswer,
    responses=error_responses(401, 422, 429, 503),
    summary="A service token for a team, from the admin key",
)
async def service_token(
    request: Request,
    admin_key: Annotated[str | None, Header(alias="X-Admin-Key", max_length=512)] = None,
    body: TokenRequest | None = None,
) -> ServiceTokenAnswer:
    wanted = body or TokenRequest()
    token, ttl = service_tokens.service_token(
        admin_key, wanted.team_id, wanted.role, client_ip(request)
    )
    return ServiceTokenAnswer(token=token, team_id=wanted.team_id, role=wanted.role, expires_in=ttl)


@router.get("/.well-known/jwks.json", summary="Public keys of the token signer")
async def jwks() -> dict[str, Any]:
    """The current key and those rotated away whose tokens may still be valid."""
    return {"keys": public_jwks()}


app = create_app(
    "auth",
    account_routes.router,
    router,
    key_routes.router,
    security_routes.router,
    admin_routes.router,
    client_log_routes.router,
    root_aliases=("/.well-known/jwks.json",),
)
