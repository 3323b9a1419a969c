"""Workflows and their steps as the rest of the code sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

StepType = Literal["agent_task", "approval", "webhook", "wait"]
STEP_TYPES: Final = ("agent_task", "approval", "webhook", "wait")
# A run is one Map over its steps (shared.workflows.asl): the cap bounds its concurrency
# and keeps a workflow (steps inline on its item) far under DynamoDB's 400 KB.
MAX_STEPS: Final = 40


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    name: str
    step_type: StepType
    order: int
    config: dict[str, Any]
    agent_id: str | None
    depends_on: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Workflow:
    team_id: str
    id: str
    name: str
    description: str
    is_template: bool
    config: dict[str, Any]
    steps: tuple[Step, ...] = ()
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int | None = field(default=None, compare=False)

    def step(self, step_id: str) -> Step | None:
        return next((step for step in self.steps if step.id == step_id), None)


RunStatus = Literal["running", "completed", "failed", "cancelled"]
RUN_TERMINAL: Final = ("completed", "failed", "cancelled")
# A run's step: waiting (on its dependencies), running, passed, failed or cancelled.
StepRunStatus = Literal["waiting", "running", "passed", "failed", "cancelled"]


@dataclass(frozen=True, slots=True)
class RunStep:
    step_id: str
    name: str
    step_type: StepType
    config: dict[str, Any]
    agent_id: str | None
    depends_on: tuple[str, ...]
    dependents: tuple[str, ...]
    status: StepRunStatus = "waiting"
    output: Any = None
    error: str | None = None
    task_id: str | None = None
    approval_id: str | None = None
    run_token: str | None = None


@dataclass(frozen=True, slots=True)
class Run:
    team_id: str
    id: str
    workflow_id: str
    status: RunStatus
    created_by: str | None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    error: str | None = None
    steps: tuple[RunStep, ...] = ()
