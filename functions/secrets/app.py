"""The secrets group's app (seed 003 Secrets Vault, admins only): CRUD on `/secrets` with the
value in Secrets Manager (written, answered masked), rotate, expiring within N days, and
`POST /secrets/{id}/reveal`, the one answer that carries a value: a signed-in admin, a
fresh TOTP code when that admin has MFA, audited whatever the outcome. Another team's
secret is 404."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request, Response

from functions.secrets.schemas import (
    ExpiringQuery,
    SecretCreate,
    SecretPublic,
    SecretReveal,
    SecretRotate,
    SecretUpdate,
    SecretValue,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.path_ids import IdPath
from shared.ratelimit import client_ip
from shared.vault import service
from shared.vault.domain import VaultSecret

router = group_router(tags=["secrets"], responses=error_responses(401, 403, 422))

# The secret store not answering: 503 on every route that reads or writes a value.
_WRITE = error_responses(409, 503)
_WRITE[409]["description"] = "A secret of the team already has this name, or it changed meanwhile"
_CHANGE = {**_WRITE, **error_responses(404)}
_REVEAL = error_responses(404, 429, 503)
_REVEAL[401] = {
    **error_responses(401)[401],
    "description": "Not signed in; or the admin has MFA and sent no TOTP code, or a code "
    "that is wrong or already used",
}
_REVEAL[403] = {
    **error_responses(403)[403],
    "description": "Not an admin, or an API key or service token (a reveal is for a "
    "signed-in admin)",
}


def _public(secret: VaultSecret) -> dict[str, Any]:
    return {
        "id": secret.id,
        "name": secret.name,
        "category": secret.category,
        "description": secret.description,
        "version": secret.value_version,
        "expires_at": secret.expires_at,
        "expired": secret.expired(datetime.now(UTC)),
        "rotated_at": secret.rotated_at,
        "created_by": secret.created_by,
        "created_at": secret.created_at,
        "updated_at": secret.updated_at,
        "last_revealed_at": secret.last_revealed_at,
        "last_revealed_by": secret.last_revealed_by,
    }


@router.get(
    "/secrets",
    response_model=Page[SecretPublic],
    responses=LIST_RESPONSES,
    summary="The team's secrets, newest first: metadata only, values masked",
)
async def list_secrets(principal: AdminPrincipal, params: Pagination) -> dict[str, Any]:
    items, total, cursor = service.list_secrets(principal.team_id, params)
    return page_answer([_public(item) for item in items], total, params, cursor)


@router.post(
    "/secrets",
    status_code=201,
    response_model=SecretPublic,
    responses=_WRITE,
    summary="Store a secret: its value goes to Secrets Manager and is never answered",
)
async def create_secret(body: SecretCreate, principal: AdminPrincipal) -> dict[str, Any]:
    fields = service.SecretFields(
        name=body.name,
        category=body.category,
        description=body.description,
        sets_expiry=True,
        expires_at=body.expires_at,
    )
    return _public(service.create_secret(principal.team_id, principal.subject, fields, body.value))


@router.get(
    "/secrets/expiring",
    response_model=Page[SecretPublic],
    responses=LIST_RESPONSES,
    summary="The secrets whose expiry falls within `days` (those already expired too), "
    "soonest first",
)
async def list_expiring(principal: AdminPrincipal, params: ExpiringQuery) -> dict[str, Any]:
    items, total, cursor = service.expiring(principal.team_id, params.days, params)
    return page_answer([_public(item) for item in items], total, params, cursor)


@router.get(
    "/secrets/{secret_id:ulid}",
    response_model=SecretPublic,
    responses=error_responses(404),
    summary="A secret's metadata; its value masked (reveal it explicitly)",
)
async def get_secret(secret_id: IdPath, principal: AdminPrincipal) -> dict[str, Any]:
    return _public(service.get_secret(principal.team_id, secret_id))


@router.put(
    "/secrets/{secret_id:ulid}",
    response_model=SecretPublic,
    responses=_CHANGE,
    summary="Change a secret (what the body names); a value given is a rotation",
)
async def update_secret(
    secret_id: IdPath, body: SecretUpdate, principal: AdminPrincipal
) -> dict[str, Any]:
    sent = body.model_fields_set
    fields = service.SecretFields(
        name=body.name,
        category=body.category,
        description=body.description,
        sets_expiry="expires_at" in sent,
        expires_at=body.expires_at,
    )
    secret = service.update_secret(
        principal.team_id, principal.subject, secret_id, fields, body.value
    )
    return _public(secret)


@router.delete(
    "/secrets/{secret_id:ulid}",
    status_code=204,
    responses={**error_responses(404, 503)},
    summary="Delete a secret (its value scheduled for deletion in Secrets Manager)",
)
async def delete_secret(secret_id: IdPath, principal: AdminPrincipal) -> None:
    service.delete_secret(principal.team_id, principal.subject, secret_id)


@router.post(
    "/secrets/{secret_id:ulid}/rotate",
    response_model=SecretPublic,
    responses=_CHANGE,
    summary="Give a secret a new value (a new version); everything using it by name "
    "takes the new one",
)
async def rotate_secret(
    secret_id: IdPath, body: SecretRotate, principal: AdminPrincipal
) -> dict[str, Any]:
    secret = service.rotate_secret(
        principal.team_id,
        principal.subject,
        secret_id,
        body.value,
        sets_expiry="expires_at" in body.model_fields_set,
        expires_at=body.expires_at,
    )
    return _public(secret)


@router.post(
    "/secrets/{secret_id:ulid}/reveal",
    response_model=SecretValue,
    responses=_REVEAL,
    summary="The secret's value: a signed-in admin, with a fresh TOTP code when MFA is "
    "on; audited, refused or not",
)
async def reveal_secret(
    secret_id: IdPath,
    principal: CurrentPrincipal,  # not AdminPrincipal: a member's attempt is audited too
    request: Request,
    response: Response,
    body: SecretReveal | None = None,
) -> dict[str, Any]:
    code = body.totp_code if body is not None else None
    secret, value = service.reveal(principal, secret_id, code, client_ip(request))
    response.headers["Cache-Control"] = "no-store"
    return {"id": secret.id, "name": secret.name, "version": secret.value_version, "value": value}


app = create_app("secrets", router)
