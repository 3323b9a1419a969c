"""What the tasks code hands around: a task, a board, an agent's presence on a board."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, get_args

Priority = Literal["low", "medium", "high", "critical"]
PRIORITIES: tuple[Priority, ...] = get_args(Priority)
TaskStatus = Literal["pending", "queued", "running", "completed", "failed", "cancelled"]
TASK_STATUSES: tuple[TaskStatus, ...] = get_args(TaskStatus)

PENDING: TaskStatus = "pending"
QUEUED: TaskStatus = "queued"
RUNNING: TaskStatus = "running"
COMPLETED: TaskStatus = "completed"
FAILED: TaskStatus = "failed"
CANCELLED: TaskStatus = "cancelled"
# Not started yet: what a board's `inbox` holds.
NOT_STARTED: tuple[TaskStatus, ...] = (PENDING, QUEUED)
ACTIVE: tuple[TaskStatus, ...] = (PENDING, QUEUED, RUNNING)
TERMINAL: tuple[TaskStatus, ...] = (COMPLETED, FAILED, CANCELLED)

ERROR_CHARS = 1000
# What a task event carries of the result (the task holds it all).
EVENT_RESULT_CHARS = 4000
# A task the runner claimed this long ago and never finished was lost with its invocation
# (the task-runs visibility timeout): a redelivery of its message may claim it again.
STALE_RUN = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Task:
    team_id: str
    id: str
    title: str
    instructions: str
    status: TaskStatus
    priority: Priority = "medium"
    description: str = ""
    agent_id: str | None = None
    deadline: datetime | None = None
    required_tools: tuple[str, ...] = ()
    board_id: str | None = None
    result: str | None = None
    tokens: int | None = None
    cost_usd: float | None = None
    error: str | None = None
    worker_id: str | None = None
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    # A Step Functions task token (a workflow's agent_task step): kept, never answered.
    task_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class TaskStats:
    by_status: dict[str, int]
    by_priority: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass(frozen=True, slots=True)
class Board:
    team_id: str
    id: str
    name: str
    description: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Presence:
    """An agent's last check-in on a board (POST /agent/heartbeat)."""

    team_id: str
    board_id: str
    agent_id: str
    name: str
    status: str
    last_seen_at: datetime
