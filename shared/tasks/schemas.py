"""A task as the API answers it: the tasks group's routes and the fleet's (a worker pulls,
claims and completes tasks) answer the same shape, so it lives beside the tasks' code
rather than in one function's package."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from shared.tasks.domain import Priority, TaskStatus


class TaskPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    title: str
    description: str
    instructions: str
    priority: Priority
    agent_id: str | None
    deadline: datetime | None
    required_tools: list[str]
    board_id: str | None
    status: TaskStatus
    result: str | None
    tokens: int | None
    cost_usd: float | None
    error: str | None
    worker_id: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
