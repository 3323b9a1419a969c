"""GET /agents/activity (seed 001): registered before `/agents/{agent_id}`, which would
otherwise take it as an agent's id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, Field

from functions.agents import activity
from shared.app_factory import group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.costs.amounts import micros_to_usd
from shared.errors import error_responses

MAX_ACTIVITY = 500

router = group_router(tags=["agents"], responses=error_responses(401, 403, 422))


class AgentActivity(BaseModel):
    id: str = Field(description="the ledger call's id")
    at: datetime
    action: Literal["model_call"] = "model_call"
    agent_id: str
    agent: str | None = Field(description="the agent's name; null: it is no longer stored")
    job_id: str | None
    user_id: str = Field(description="whose budget the call was charged to")
    provider: str
    model: str
    tokens_in: int | None
    tokens_out: int | None
    cost_usd: float


class AgentActivityFeed(BaseModel):
    items: list[AgentActivity]
    limit: int


@router.get(
    "/agents/activity",
    response_model=AgentActivityFeed,
    summary="What the team's agents did, newest first: each model call an agent made",
)
async def list_agent_activity(
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=MAX_ACTIVITY, description="how many entries")] = 50,
) -> AgentActivityFeed:
    found = activity.activity(principal.team_id, limit)
    return AgentActivityFeed(
        items=[
            AgentActivity(
                id=entry.call.call_id,
                at=entry.call.at,
                agent_id=entry.call.agent_id or "",
                agent=entry.agent_name,
                job_id=entry.call.job_id,
                user_id=entry.call.user_id,
                provider=entry.call.provider,
                model=entry.call.model,
                tokens_in=entry.call.tokens_in,
                tokens_out=entry.call.tokens_out,
                cost_usd=micros_to_usd(entry.call.cost_micros),
            )
            for entry in found
        ],
        limit=limit,
    )
