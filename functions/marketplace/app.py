"""The marketplace group's app (seed 003 Marketplace): the shipped templates, listed by
category and words, read whole, and installed into the caller's team (its agents,
workflows and triggers made by their own services, once per team however often asked).
Any member may install, as any member may create agents, workflows and triggers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Response

from functions.marketplace.schemas import (
    InstallPublic,
    TemplateDetail,
    TemplateInstall,
    TemplateListParams,
    TemplatePublic,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.errors import error_responses
from shared.marketplace import catalog, install
from shared.marketplace.domain import OBJECT_KINDS, TEMPLATE_ID_PATTERN, Install, Template
from shared.pagination import LIST_RESPONSES, Page, page_answer

router = group_router(tags=["marketplace"], responses=error_responses(401, 403, 422))
TemplateId = Annotated[str, Path(pattern=TEMPLATE_ID_PATTERN)]
# What each template declares no schema states: its parameters (a name it does not take, a
# required one left out, a value not fitting its pattern), and what the values make (a
# time zone the IANA database lacks, say): 422 with the reason, nothing made. 404 also for
# a GitHub source the team lacks; 409 for an install under way or other parameters; 503
# when storage or the scheduler is unavailable (the next call resumes the install).
_INSTALL = error_responses(404, 409, 422, 503)
_INSTALL[422]["description"] = (
    "A parameter the template does not declare, a required one left out, a value not "
    "fitting its pattern, or a value the objects it makes refuse"
)


def _template(template: Template) -> dict[str, Any]:
    return {
        "id": template.id,
        "name": template.name,
        "category": template.category,
        "summary": template.summary,
        "tags": list(template.tags),
        "parameters": [parameter.model_dump() for parameter in template.parameters],
        "contents": {
            "agents": len(template.agents),
            "workflows": len(template.workflows),
            "triggers": len(template.triggers),
        },
    }


def _install(template: Template, found: Install) -> dict[str, Any]:
    order = {
        "agents": [agent.key for agent in template.agents],
        "workflows": [workflow.key for workflow in template.workflows],
        "triggers": [trigger.key for trigger in template.triggers],
    }
    return {
        "template_id": found.template_id,
        "status": found.status,
        "parameters": found.parameters,
        "installed_at": found.installed_at,
        "created": {
            kind: [made for key in order[kind] if (made := found.made(kind, key)) is not None]
            for kind in OBJECT_KINDS
        },
    }


@router.get(
    "/marketplace/templates",
    response_model=Page[TemplatePublic],
    responses=LIST_RESPONSES,
    summary="The shipped templates, by category then name: of one category, holding words",
)
async def list_templates(
    principal: CurrentPrincipal, params: Annotated[TemplateListParams, Query()]
) -> dict[str, Any]:
    items, total, cursor = catalog.listing(params, params.category, params.search)
    return page_answer([_template(item) for item in items], total, params, cursor)


@router.get(
    "/marketplace/templates/{template_id}",
    response_model=TemplateDetail,
    responses=error_responses(404),
    summary="A template whole: its parameters, the objects it makes, the team's install of it",
)
async def get_template(template_id: TemplateId, principal: CurrentPrincipal) -> dict[str, Any]:
    template = catalog.get_template(template_id)
    found = install.get_install(principal.team_id, template_id)
    whole = template.model_dump(
        mode="json", include={"description", "agents", "workflows", "triggers"}
    )
    return {
        **_template(template),
        **whole,
        "install": None if found is None else _install(template, found),
    }


@router.post(
    "/marketplace/templates/{template_id}/install",
    response_model=InstallPublic,
    status_code=201,
    responses={
        200: {"description": "Installed already: the same objects, nothing new made"},
        **_INSTALL,
    },
    summary="Install a template in the team (its agents, workflows and triggers), once",
)
async def install_template(
    template_id: TemplateId,
    principal: CurrentPrincipal,
    response: Response,
    body: TemplateInstall | None = None,
) -> dict[str, Any]:
    parameters = {} if body is None else dict(body.parameters)
    found, completed = install.install(
        principal.team_id, principal.subject, template_id, parameters
    )
    if not completed:
        response.status_code = 200
    return _install(catalog.get_template(template_id), found)


app = create_app("marketplace", router)
