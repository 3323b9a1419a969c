"""Response shapes of /workflows (the bodies that make and change them are
shared.workflows.requests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.workflows.domain import RunStatus, StepRunStatus, StepType
from shared.workflows.requests import StepCreate, StepUpdate, WorkflowCreate

__all__ = [
    "StepCreate",
    "StepPublic",
    "StepUpdate",
    "WorkflowCreate",
    "WorkflowPublic",
    "WorkflowRunPublic",
    "WorkflowRunStarted",
    "WorkflowRunStepPublic",
]


class StepPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    step_type: StepType
    order: int
    config: dict[str, Any]
    agent_id: str | None
    depends_on: list[str]


class WorkflowPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    description: str
    is_template: bool
    config: dict[str, Any]
    steps: list[StepPublic]
    created_by: str | None
    created_at: datetime | None
    updated_at: datetime | None


class WorkflowRunStarted(BaseModel):
    model_config = ConfigDict(defer_build=True)

    run_id: str
    status: RunStatus


class WorkflowRunStepPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    step_id: str
    name: str
    step_type: StepType
    status: StepRunStatus
    output: Any
    error: str | None
    task_id: str | None
    approval_id: str | None


class WorkflowRunPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    run_id: str
    workflow_id: str
    status: RunStatus
    error: str | None
    created_by: str | None
    created_at: datetime | None
    completed_at: datetime | None
    steps: list[WorkflowRunStepPublic]
