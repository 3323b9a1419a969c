"""Agent routes: CRUD (delete is soft), start and stop, a test call, the per-phase configs
and the agents' memories.

Members read; creating, changing and deleting agents, configs and memories, and starting
and stopping agents, need an admin. The test call is open to members: it changes nothing
and is charged to the caller, within the team's budgets and their own allowance.

Routes match in order: the static paths (`/agents/config`, `/agents/memories/{id}`) come
before `/agents/{agent_id}`, which would otherwise take them.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response

from functions.agents import service
from functions.agents.activity_routes import router as activity_router
from functions.agents.code_agent_routes import router as code_agent_router
from functions.agents.run_code_routes import router as run_code_router
from functions.agents.schemas import AgentFilters, AgentTestResult, MemoryFilters
from shared.agents import memories
from shared.agents import service as agents
from shared.agents.schemas import (
    Agent,
    AgentConfigEntry,
    AgentConfigUpdate,
    AgentCreate,
    AgentPublic,
    AgentReplace,
    AgentUpdate,
    MemoryCreate,
    MemoryPublic,
    MemoryStats,
    MemoryUpdate,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, page_answer

router = group_router(tags=["agents"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)


@router.get(
    "/agents",
    response_model=Page[AgentPublic],
    responses=LIST_RESPONSES,
    summary="The team's agents, oldest first",
)
async def list_agents(principal: CurrentPrincipal, params: AgentFilters) -> dict[str, Any]:
    items, total, cursor = agents.list_agents(
        principal.team_id, params, status_filter=params.status_filter, role=params.role
    )
    return page_answer([agent.summary() for agent in items], total, params, cursor)


# 404: an llm_provider the team does not have. 409: none named, and the team has no
# default_provider to take (its settings, not the body, are what is missing).
_NAMES_A_PROVIDER = error_responses(404, 409)


@router.post(
    "/agents",
    status_code=201,
    response_model=AgentPublic,
    responses=_NAMES_A_PROVIDER,
    summary="Create an agent",
)
async def create_agent(body: AgentCreate, principal: AdminPrincipal) -> Agent:
    return service.create_agent(principal.team_id, body, principal.subject)


@router.get(
    "/agents/config",
    response_model=list[AgentConfigEntry],
    summary="Each phase's default agent (a new team gets one default agent per phase)",
)
async def get_agent_config(principal: CurrentPrincipal) -> list[AgentConfigEntry]:
    return service.agent_config(principal.team_id)


@router.post(
    "/agents/config/{agent_id}",
    response_model=AgentConfigEntry,
    responses=_FOUND,
    summary="Make the agent the default of a phase (model: overrides its model there)",
)
async def set_agent_config(
    agent_id: str, body: AgentConfigUpdate, principal: AdminPrincipal
) -> AgentConfigEntry:
    return service.set_agent_config(principal.team_id, agent_id, body.phase, body.model)


@router.put(
    "/agents/memories/{memory_id}",
    response_model=MemoryPublic,
    responses=error_responses(404, 409),
    summary="Replace a memory",
)
async def update_memory(
    memory_id: str, body: MemoryUpdate, principal: AdminPrincipal
) -> MemoryPublic:
    return memories.update_memory(principal.team_id, memory_id, body)


@router.delete(
    "/agents/memories/{memory_id}",
    status_code=204,
    responses=error_responses(404, 409),
    summary="Delete a memory",
)
async def delete_memory(memory_id: str, principal: AdminPrincipal) -> Response:
    memories.delete_memory(principal.team_id, memory_id)
    return Response(status_code=204)


@router.get("/agents/{agent_id}", response_model=AgentPublic, responses=_FOUND)
async def get_agent(agent_id: str, principal: CurrentPrincipal) -> Agent:
    return agents.get_agent(principal.team_id, agent_id)


@router.patch(
    "/agents/{agent_id}",
    response_model=AgentPublic,
    responses=_FOUND,
    summary="Change the fields given",
)
async def update_agent(agent_id: str, body: AgentUpdate, principal: AdminPrincipal) -> Agent:
    return service.update_agent(principal.team_id, agent_id, body)


@router.put(
    "/agents/{agent_id}",
    response_model=AgentPublic,
    responses=_NAMES_A_PROVIDER,
    summary="Replace the agent (with role: fields left out take their defaults) or change "
    "the fields given (without role); code fields always merge",
)
async def replace_agent(agent_id: str, body: AgentReplace, principal: AdminPrincipal) -> Agent:
    return service.replace_agent(principal.team_id, agent_id, body)


_DELETES = error_responses(404, 409)
_DELETES[409]["description"] = "The agent is deployed: undeploy it first"


@router.delete(
    "/agents/{agent_id}",
    status_code=204,
    responses=_DELETES,
    summary="Delete the agent (soft: costs and jobs still name it)",
)
async def delete_agent(agent_id: str, principal: AdminPrincipal) -> Response:
    agents.delete_agent(principal.team_id, agent_id)
    return Response(status_code=204)


@router.post(
    "/agents/{agent_id}/start",
    response_model=AgentPublic,
    responses=_FOUND,
    summary="offline → idle",
)
async def start_agent(agent_id: str, principal: AdminPrincipal) -> Agent:
    return agents.start_agent(principal.team_id, agent_id)


@router.post(
    "/agents/{agent_id}/stop",
    response_model=AgentPublic,
    responses=_FOUND,
    summary="→ offline",
)
async def stop_agent(agent_id: str, principal: AdminPrincipal) -> Agent:
    return agents.stop_agent(principal.team_id, agent_id)


# A routed call is refused 402 when it would go over one of the team's spending limits: a
# rule of what was spent, which no schema can state (schemathesis.toml expects it here).
_ROUTED = error_responses(402, 404)
_ROUTED[402]["description"] = (
    "Budget exceeded: the call would go over a spending limit of the team or the caller "
    "(GET /costs/budget); nothing was sent to a provider"
)


@router.post(
    "/agents/{agent_id}/test",
    response_model=AgentTestResult,
    response_model_exclude_none=True,
    responses=_ROUTED,
    summary="Send the agent a short prompt through the router",
)
async def test_agent(agent_id: str, principal: CurrentPrincipal) -> AgentTestResult:
    return service.test_agent(principal.team_id, agent_id, principal.subject)


@router.get(
    "/agents/{agent_id}/memories",
    response_model=Page[MemoryPublic],
    responses={**LIST_RESPONSES, **_FOUND},
    summary="The agent's memories, newest first",
)
async def list_memories(
    agent_id: str, principal: CurrentPrincipal, params: MemoryFilters
) -> dict[str, Any]:
    items, total, cursor = memories.list_memories(
        principal.team_id, agent_id, params, category=params.category
    )
    return page_answer(items, total, params, cursor)


@router.post(
    "/agents/{agent_id}/memories",
    status_code=201,
    response_model=MemoryPublic,
    responses=_FOUND,
    summary="Add a memory",
)
async def add_memory(agent_id: str, body: MemoryCreate, principal: AdminPrincipal) -> MemoryPublic:
    return memories.add_memory(principal.team_id, agent_id, body)


@router.get(
    "/agents/{agent_id}/memory-stats",
    response_model=MemoryStats,
    responses=_FOUND,
    summary="How many memories the agent has, by category",
)
async def memory_stats(agent_id: str, principal: CurrentPrincipal) -> MemoryStats:
    return memories.memory_stats(principal.team_id, agent_id)


# The activity feed's static path first: `/agents/{agent_id}` would take it.
app = create_app("agents", activity_router, router, code_agent_router, run_code_router)
