"""Request and response shapes of the agents routes that are the group's own (the agent and
memory shapes are shared.agents.schemas: the pipeline reads agents too)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from shared.agents.schemas import AgentStatus, MemoryCategory, Role
from shared.pagination import PageParams


# Query models are built with the routes: deferring them makes FastAPI's deferred field
# adapter warn about its alias at the first request.
class AgentListParams(PageParams):
    status_filter: AgentStatus | None = Field(default=None, description="idle or stopped")
    role: Role | None = Field(default=None, description="the phase or free role served")


class MemoryListParams(PageParams):
    category: MemoryCategory | None = None


# The filters share the one query model with the page parameters: PageParams refuses
# query parameters it does not name.
AgentFilters = Annotated[AgentListParams, Query()]
MemoryFilters = Annotated[MemoryListParams, Query()]


class AgentTestResult(BaseModel):
    """`ok` with the model's answer, or `error` saying why no provider answered."""

    model_config = ConfigDict(defer_build=True)

    agent_id: str
    model: str = Field(description="the model that answered (or the agent's, on error)")
    status: Literal["ok", "error"]
    response: str | None = None
    detail: str | None = None
