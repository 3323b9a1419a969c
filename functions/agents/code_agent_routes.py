"""Code agents' own routes (seed 002): POST /agents/generate-code, and deployments: deploy,
undeploy, the agent's deployment, the team's deployments (GET /deployments).

Generating code is open to members (it changes nothing, and its model call is charged to
the caller within the team's budgets); deploying and undeploying need an admin, as
changing agents does; members read deployments.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from functions.agents import code_agents
from functions.agents.code_agent_schemas import (
    DeploymentChange,
    DeploymentCreated,
    DeploymentPublic,
    DeploymentWithUsage,
    DeployRequest,
    GenerateCodeRequest,
    GenerateCodeResponse,
)
from shared.app_factory import group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer

router = group_router(tags=["agents"], responses=error_responses(401, 403, 422))

_GENERATE = error_responses(402, 409, 413, 422, 503)
_GENERATE[402]["description"] = (
    "Budget exceeded: the call would go over a spending limit of the team or the caller "
    "(GET /costs/budget); nothing was sent to a provider"
)
_GENERATE[409]["description"] = "The composer's provider is disabled"
_GENERATE[413]["description"] = "The code written is over 64 KiB"
_GENERATE[422]["description"] = (
    "Not valid, a schema given is not a JSON Schema, or modelConfig names a provider or a "
    "model the team does not have"
)
_GENERATE[503]["description"] = (
    "No provider answered, or the answer held no code that compiles (ask again, or name "
    "another model)"
)
_DEPLOY = error_responses(404, 409, 422)
_DEPLOY[404]["description"] = "No such agent in the team"
_DEPLOY[409]["description"] = "The friendly name is taken, or the agent is deployed already"
_DEPLOY[422]["description"] = (
    "Not valid, or the agent has no code (only a code agent can be deployed), or no usable "
    "friendly name"
)
_DEPLOYED = error_responses(404)
_DEPLOYED[404]["description"] = "No such agent in the team, or it is not deployed"
_CHANGE = {**_DEPLOYED, **error_responses(409, 422)}
_CHANGE[409]["description"] = "The deployment was undeployed or changed meanwhile"


def _origin(request: Request) -> str:
    """The API's origin as the caller reached it: the base of the deployment's URL."""
    return str(request.base_url).rstrip("/")


@router.post(
    "/agents/generate-code",
    response_model=GenerateCodeResponse,
    responses=_GENERATE,
    summary="Write an agent's code through the router (the template generator writes simple "
    "agents itself)",
)
async def generate_code(
    body: GenerateCodeRequest, principal: CurrentPrincipal
) -> GenerateCodeResponse:
    return code_agents.generate_code(principal.team_id, principal.subject, body)


@router.get(
    "/deployments",
    response_model=Page[DeploymentPublic],
    responses=LIST_RESPONSES,
    summary="The team's deployed agents, newest first",
)
async def list_deployments(principal: CurrentPrincipal, params: Pagination) -> dict[str, Any]:
    items, total, cursor = code_agents.list_deployments(principal.team_id, params)
    return page_answer(items, total, params, cursor)


@router.post(
    "/agents/{agent_id}/deploy",
    status_code=201,
    response_model=DeploymentCreated,
    responses=_DEPLOY,
    summary="Serve a code agent at /rest/<friendly_name> (its key shown this once)",
)
async def deploy_agent(
    agent_id: str,
    principal: AdminPrincipal,
    request: Request,
    body: DeployRequest | None = None,
) -> DeploymentCreated:
    return code_agents.deploy(
        principal.team_id, agent_id, principal.subject, _origin(request), body or DeployRequest()
    )


@router.delete(
    "/agents/{agent_id}/undeploy",
    status_code=204,
    responses=_DEPLOYED,
    summary="Stop serving the agent (its friendly name is free again)",
)
async def undeploy_agent(agent_id: str, principal: AdminPrincipal) -> Response:
    code_agents.undeploy(principal.team_id, agent_id)
    return Response(status_code=204)


@router.get(
    "/agents/{agent_id}/deployment",
    response_model=DeploymentWithUsage,
    responses=_DEPLOYED,
    summary="The agent's deployment and its calls this month",
)
async def get_deployment(agent_id: str, principal: CurrentPrincipal) -> DeploymentWithUsage:
    return code_agents.get_deployment(principal.team_id, agent_id)


@router.patch(
    "/agents/{agent_id}/deployment",
    response_model=DeploymentWithUsage,
    responses=_CHANGE,
    summary="Change the deployment's price per AI Market call (its catalog entry with it)",
)
async def change_deployment(
    agent_id: str, body: DeploymentChange, principal: AdminPrincipal
) -> DeploymentWithUsage:
    return code_agents.change_price(principal.team_id, agent_id, body)
