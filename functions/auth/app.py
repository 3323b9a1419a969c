"""Auth routes (more arrive with accounts): service tokens, public keys, who am I."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from pydantic import BaseModel, ConfigDict, Field

from functions.auth import service
from shared.app_factory import create_app
from shared.auth.dependencies import CurrentPrincipal
from shared.auth.principal import Role
from shared.auth.signing import signing_key
from shared.errors import error_responses

router = APIRouter(tags=["auth"])


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    team_id: str = Field(default="default", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    role: Role = "admin"


class TokenAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)

    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    team_id: str
    role: str
    expires_in: int


class Me(BaseModel):
    model_config = ConfigDict(defer_build=True)

    subject: str
    team_id: str
    role: str


@router.post(
    "/auth/token",
    response_model=TokenAnswer,
    responses=error_responses(401, 422, 503),
    summary="A service token for a team, from the admin key",
)
async def service_token(
    admin_key: Annotated[str | None, Header(alias="X-Admin-Key", max_length=512)] = None,
    body: TokenRequest | None = None,
) -> TokenAnswer:
    request = body or TokenRequest()
    token, ttl = service.service_token(admin_key, request.team_id, request.role)
    return TokenAnswer(token=token, team_id=request.team_id, role=request.role, expires_in=ttl)


@router.get(
    "/auth/me",
    response_model=Me,
    responses=error_responses(401),
    summary="Who the token belongs to",
)
async def me(principal: CurrentPrincipal) -> Me:
    return Me(subject=principal.subject, team_id=principal.team_id, role=principal.role)


@router.get("/.well-known/jwks.json", summary="Public keys of the token signer")
async def jwks() -> dict[str, Any]:
    return {"keys": [signing_key().public_jwk]}


app = create_app("auth", router, root_aliases=("/.well-known/jwks.json",))
