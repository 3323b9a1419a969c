"""Provider, model and circuit-breaker routes: HTTP shapes and auth only.

Any member reads; changing a provider or a breaker takes an admin. The API key is
write-only: answers carry the registry's `{configured, hint}` and never the key. The
built-in template generator (`templates`, older name `offline`) is every team's provider:
listed and read like the others (`builtin: true`), and each write under its names is 409.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Response

from functions.providers import service
from functions.providers.schemas import (
    NAME_PATTERN,
    BreakerList,
    BreakerSnapshot,
    ModelList,
    ModelPublic,
    ProviderCheck,
    ProviderCreate,
    ProviderPublic,
    ProviderUpdate,
    ProviderUpsert,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer

router = group_router(tags=["providers"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)

_BUILTIN = "templates and offline name the built-in template generator, which is read-only"


def _refusals(*codes: int, conflict: str) -> dict[int | str, dict[str, Any]]:
    """`codes`' entries, the 409 saying what it answers for."""
    responses = error_responses(*codes)
    responses[409]["description"] = f"Conflict: {conflict}"
    return responses


_CREATE = _refusals(409, 503, conflict=f"the name is taken, or is the built-in's ({_BUILTIN})")
_UPSERT = _refusals(
    409,
    503,
    conflict=f"the provider changed since it was read, or the name is the built-in's ({_BUILTIN})",
)
_UPDATE = _refusals(
    404,
    409,
    503,
    conflict="the change does not fit the stored provider, it changed since it was read, or "
    f"it is the built-in ({_BUILTIN})",
)
_DELETE = _refusals(
    404,
    409,
    503,
    conflict="an agent or a team setting uses the provider, it changed since it was read, or "
    f"it is the built-in ({_BUILTIN})",
)

ProviderName = Annotated[
    str, Path(pattern=NAME_PATTERN, description="the provider's name in the team")
]
# Model ids may hold '/' (OpenRouter's "vendor/model"), hence a path parameter.
ModelId = Annotated[str, Path(max_length=200, description="a model id or one of its aliases")]


@router.get(
    "/providers",
    response_model=Page[ProviderPublic],
    responses=LIST_RESPONSES,
    summary="The team's providers: the built-in template generator first, then by name",
)
async def list_providers(principal: CurrentPrincipal, page: Pagination) -> dict[str, Any]:
    items, total, cursor = service.listing(principal.team_id, page)
    return page_answer(items, total, page, cursor)


@router.post(
    "/providers",
    status_code=201,
    response_model=ProviderPublic,
    responses=_CREATE,
    summary="Add a provider (the key goes to Secrets Manager)",
)
async def create_provider(body: ProviderCreate, principal: AdminPrincipal) -> ProviderPublic:
    return service.create_provider(principal.team_id, body)


@router.get(
    "/providers/{name}",
    response_model=ProviderPublic,
    responses=_FOUND,
    summary="One provider (templates: the built-in template generator)",
)
async def get_provider(name: ProviderName, principal: CurrentPrincipal) -> ProviderPublic:
    return service.get_provider(principal.team_id, name)


@router.post(
    "/providers/{name}",
    response_model=ProviderPublic,
    responses={
        201: {
            "description": "Created",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ProviderPublic"}}
            },
        },
        **_UPSERT,
    },
    summary="Create or replace a provider: 201 created, 200 replaced",
)
async def upsert_provider(
    name: ProviderName, body: ProviderUpsert, principal: AdminPrincipal, response: Response
) -> ProviderPublic:
    provider, created = service.upsert_provider(principal.team_id, name, body)
    if created:
        response.status_code = 201
    return provider


@router.patch(
    "/providers/{name}",
    response_model=ProviderPublic,
    responses=_UPDATE,
    summary="Change what is sent (api_key: null removes the key)",
)
async def update_provider(
    name: ProviderName, body: ProviderUpdate, principal: AdminPrincipal
) -> ProviderPublic:
    return service.update_provider(principal.team_id, name, body)


@router.delete(
    "/providers/{name}",
    status_code=204,
    responses=_DELETE,
    summary="Delete a provider no agent or setting uses, and not the active one",
)
async def delete_provider(name: ProviderName, principal: AdminPrincipal) -> Response:
    service.delete_provider(principal.team_id, name)
    return Response(status_code=204)


@router.post(
    "/providers/{name}/use",
    response_model=ProviderPublic,
    responses=error_responses(404, 409),
    summary="Make the provider the team's active one (its default_provider setting)",
)
async def use_provider(name: ProviderName, principal: AdminPrincipal) -> ProviderPublic:
    return service.use_provider(principal.team_id, name)


@router.post(
    "/providers/{name}/test",
    response_model=ProviderCheck,
    response_model_exclude_none=True,
    responses=error_responses(404, 503),
    summary="Ask the provider for its models: ok with their count, or error saying why",
)
async def test_provider(name: ProviderName, principal: AdminPrincipal) -> ProviderCheck:
    return service.test_provider(principal.team_id, name)


@router.get(
    "/providers/{name}/models",
    response_model=ModelList,
    responses=_FOUND,
    summary="The provider's models, with prices per million tokens",
)
async def list_provider_models(name: ProviderName, principal: CurrentPrincipal) -> ModelList:
    return service.provider_models(principal.team_id, name)


@router.get(
    "/providers/{name}/models/{model:path}",
    response_model=ModelPublic,
    responses=_FOUND,
    summary="One of the provider's models, by id or alias",
)
async def get_provider_model(
    name: ProviderName, model: ModelId, principal: CurrentPrincipal
) -> ModelPublic:
    return service.model(principal.team_id, name, model)


@router.get(
    "/models",
    response_model=ModelList,
    summary="The models of every provider of the team, with prices per million tokens",
)
async def list_models(principal: CurrentPrincipal) -> ModelList:
    return service.catalog_models(principal.team_id)


@router.get(
    "/circuit-breakers",
    response_model=BreakerList,
    summary="The breaker of each provider: closed, open or half_open, and its failures",
)
async def list_breakers(principal: CurrentPrincipal) -> BreakerList:
    return service.breakers(principal.team_id)


_BREAKER = error_responses(404, 409)


@router.post(
    "/circuit-breakers/{name}/force-open",
    response_model=BreakerSnapshot,
    responses=_BREAKER,
    summary="Hold the provider's breaker open until force-close or reset",
)
async def force_open_breaker(name: ProviderName, principal: AdminPrincipal) -> BreakerSnapshot:
    return service.force_open(principal.team_id, name)


@router.post(
    "/circuit-breakers/{name}/force-close",
    response_model=BreakerSnapshot,
    responses=_BREAKER,
    summary="Close the provider's breaker",
)
async def force_close_breaker(name: ProviderName, principal: AdminPrincipal) -> BreakerSnapshot:
    return service.force_close(principal.team_id, name)


@router.post(
    "/circuit-breakers/{name}/reset",
    response_model=BreakerSnapshot,
    responses=_BREAKER,
    summary="Close the provider's breaker and forget its failures",
)
async def reset_breaker(name: ProviderName, principal: AdminPrincipal) -> BreakerSnapshot:
    return service.reset(principal.team_id, name)


app = create_app("providers", router)
