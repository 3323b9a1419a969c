"""The demos group's app (seed 002 Demo apps): `POST /demos/generate-code` asks the team's
router for a page that calls chosen deployed APIs; `/demos` stores demos (CRUD), each
with its page in S3 behind a presigned URL and a content security policy that lets it
call only its APIs (shared.demos.page). Another team's demo is 404."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from functions.demos.schemas import (
    CreateDemoAppRequest,
    DemoAppPublic,
    DemoAppSummary,
    GenerateDemoCodeRequest,
    GenerateDemoCodeResponse,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.demos import service
from shared.demos.domain import PAGE_URL_SECONDS, Demo, DemoDraft, GeneratedCode, ModelConfig
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.path_ids import IdPath

router = group_router(tags=["demos"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)

# 422 for a selected API the team has not deployed, 413 for code over the cap: rules of
# the team's deployments and of the code's size in bytes, which no schema can state.
_WRITE = error_responses(413)
_WRITE[413]["description"] = (
    "Too large: the body is over 1 MiB, or html, css and js hold more than 96 KiB together"
)
# A routed call is refused 402 over a spending limit, before any provider is called.
_ROUTED = error_responses(402, 409, 413, 503)
_ROUTED[402]["description"] = (
    "Budget exceeded: the call would go over a spending limit of the team or the caller "
    "(GET /costs/budget); nothing was sent to a provider"
)


def _origin(request: Request) -> str:
    """The API's origin as the caller reached it: the base of the URLs a page calls."""
    return str(request.base_url).rstrip("/")


def _config(body: Any) -> ModelConfig | None:
    if body is None:
        return None
    parameters = {} if body.parameters is None else body.parameters.model_dump(exclude_none=True)
    return ModelConfig(provider=body.provider, model=body.model or "", parameters=parameters)


def _draft(body: CreateDemoAppRequest) -> DemoDraft:
    code = body.generatedCode
    return DemoDraft(
        name=body.name,
        description=body.description,
        selected_apis=tuple(body.selectedApis),
        model_config=_config(body.modelConfig),
        user_prompt=body.userPrompt,
        generated_code=GeneratedCode(html=code.html, css=code.css, js=code.js),
        composer_thoughts=body.composerThoughts,
    )


def _summary(demo: Demo) -> dict[str, Any]:
    return {
        "id": demo.id,
        "name": demo.name,
        "description": demo.description,
        "selectedApis": list(demo.selected_apis),
        "page_url": service.page_url(demo),
        "expires_in": PAGE_URL_SECONDS,
        "created_by": demo.created_by,
        "created_at": demo.created_at,
        "updated_at": demo.updated_at,
    }


def _demo(demo: Demo) -> dict[str, Any]:
    config = demo.model_config
    code = demo.generated_code
    return {
        **_summary(demo),
        "modelConfig": None
        if config is None
        else {"provider": config.provider, "model": config.model, "parameters": config.parameters},
        "userPrompt": demo.user_prompt,
        "generatedCode": {"html": code.html, "css": code.css, "js": code.js},
        "composerThoughts": demo.composer_thoughts,
        "api_urls": list(demo.api_urls),
    }


@router.post(
    "/demos/generate-code",
    response_model=GenerateDemoCodeResponse,
    responses=_ROUTED,
    summary="Generate a demo page (html, css, js) that calls the chosen deployed APIs",
)
async def generate_code(
    body: GenerateDemoCodeRequest, request: Request, principal: CurrentPrincipal
) -> dict[str, Any]:
    page = service.generate(
        principal.team_id,
        principal.subject,
        prompt=body.userPrompt,
        selected_apis=tuple(body.selectedApis),
        config=_config(body.modelConfig),
        origin=_origin(request),
    )
    return {
        "html": page.code.html,
        "css": page.code.css,
        "js": page.code.js,
        "thoughts": page.thoughts,
        "provider": page.provider,
        "model": page.model,
        "tokens": page.tokens,
        "cost_usd": page.cost_usd,
    }


@router.get(
    "/demos",
    response_model=Page[DemoAppSummary],
    responses=LIST_RESPONSES,
    summary="The team's demos, newest first (without their code: GET one for it)",
)
async def list_demos(principal: CurrentPrincipal, params: Pagination) -> dict[str, Any]:
    items, total, cursor = service.list_demos(principal.team_id, params)
    return page_answer([_summary(item) for item in items], total, params, cursor)


@router.post(
    "/demos",
    status_code=201,
    response_model=DemoAppPublic,
    responses=_WRITE,
    summary="Save a demo: its page is written to S3 and answered as a presigned URL",
)
async def create_demo(
    body: CreateDemoAppRequest, request: Request, principal: CurrentPrincipal
) -> dict[str, Any]:
    demo = service.create_demo(
        principal.team_id, principal.subject, _draft(body), origin=_origin(request)
    )
    return _demo(demo)


@router.get(
    "/demos/{demo_id:ulid}", response_model=DemoAppPublic, responses=_FOUND, summary="A demo"
)
async def get_demo(demo_id: IdPath, principal: CurrentPrincipal) -> dict[str, Any]:
    return _demo(service.get_demo(principal.team_id, demo_id))


@router.put(
    "/demos/{demo_id:ulid}",
    response_model=DemoAppPublic,
    responses={**_FOUND, **_WRITE, **error_responses(409)},
    summary="Replace a demo's content (the creation shape); its page is rewritten",
)
async def replace_demo(
    demo_id: IdPath, body: CreateDemoAppRequest, request: Request, principal: CurrentPrincipal
) -> dict[str, Any]:
    demo = service.replace_demo(
        principal.team_id, principal.subject, demo_id, _draft(body), origin=_origin(request)
    )
    return _demo(demo)


@router.delete(
    "/demos/{demo_id:ulid}",
    status_code=204,
    responses=_FOUND,
    summary="Delete a demo and its page",
)
async def delete_demo(demo_id: IdPath, principal: CurrentPrincipal) -> None:
    service.delete_demo(principal.team_id, principal.subject, demo_id)


app = create_app("demos", router)
