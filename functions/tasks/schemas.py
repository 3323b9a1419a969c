"""Request and response shapes of /tasks, /boards and /agent (the bodies that make and
change a task are shared.tasks.requests: workflows make tasks too)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.pagination import PageParams
from shared.request_fields import omittable, trimmed
from shared.tasks.domain import TaskStatus
from shared.tasks.requests import TaskCreate, TaskUpdate
from shared.tasks.schemas import TaskPublic

__all__ = [
    "AgentTaskStatus",
    "BoardCreate",
    "BoardPublic",
    "BoardUpdate",
    "Heartbeat",
    "HeartbeatPublic",
    "TaskCreate",
    "TaskListParams",
    "TaskPublic",
    "TaskStatsPublic",
    "TaskUpdate",
]

BoardName = Annotated[str, trimmed(200)]
BoardDescription = Annotated[str, StringConstraints(max_length=2_000)]
# What an agent may list a board's tasks by: `inbox` (not started) or one of ours.
AgentTaskStatus = Literal[
    "inbox", "pending", "queued", "running", "completed", "failed", "cancelled"
]


class TaskListParams(PageParams):
    """GET /tasks: a page, optionally of one status (one Query of that status's index)."""

    status: TaskStatus | None = None
    status_filter: TaskStatus | None = Field(default=None, description="seed 003's `status`")


class TaskStatsPublic(BaseModel):
    by_status: dict[str, int]
    by_priority: dict[str, int]
    total: int


class BoardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: BoardName
    description: BoardDescription = ""


class BoardUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: BoardName = omittable()
    description: BoardDescription = omittable()


class BoardPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    description: str
    created_at: datetime
    updated_at: datetime


class Heartbeat(BaseModel):
    """POST /agent/heartbeat (seed 004)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: Annotated[str, trimmed(100)]
    board_id: Annotated[str, StringConstraints(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]
    status: Annotated[str, trimmed(32)] = Field(default="online")


class HeartbeatPublic(BaseModel):
    agent_id: str
    name: str
    board_id: str
    status: str
    last_seen_at: datetime
