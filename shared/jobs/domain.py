"""What a job is, as the services see it (storage and API shapes are separate)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from shared.llm.types import ErrorKind
from shared.pipeline.definition import PHASES
from shared.pipeline.spec import JobSpec

JobStatus = Literal["queued", "running", "waiting_approval", "passed", "failed", "cancelled"]
PhaseStatus = Literal[
    "pending", "running", "passed", "failed", "skipped", "cancelled", "waiting_approval"
]
NO_CREATOR = "system"
ACTIVE_STATUSES: frozenset[str] = frozenset({"queued", "running", "waiting_approval"})
TERMINAL_STATUSES: frozenset[str] = frozenset({"passed", "failed", "cancelled"})


class PhaseFailure(BaseModel):
    """Why a phase's model call failed, for a client to act on: which provider, what kind
    of failure, the HTTP status and the start of the provider's own explanation (cleared of
    keys, at most a few hundred characters), and how many times the phase was tried."""

    model_config = ConfigDict(defer_build=True)

    provider: str | None
    kind: ErrorKind
    status: int | None = None
    message: str = ""
    attempts: int = 1


class AgentRef(BaseModel):
    """The team's agent that served a phase."""

    model_config = ConfigDict(defer_build=True)

    id: str
    name: str


class PhaseRecord(BaseModel):
    model_config = ConfigDict(defer_build=True)

    phase: str
    # What the phase asks of its agent (the pipeline's label, e.g. "business_analyst").
    role: str
    # The agent that served the phase; None until it ran, or when no agent is configured
    # for it (the built-in template generator answered).
    agent: AgentRef | None = None
    status: PhaseStatus = "pending"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    # Set when a provider's failure failed (or is retrying) the phase.
    failure: PhaseFailure | None = None
    attempts: int = 0
    # Tokens the phase's model calls counted; None when its calls counted none (the
    # template generator tokenizes nothing); 0 for a phase that called no model.
    tokens_in: int | None = 0
    tokens_out: int | None = 0
    cost_usd: float = 0.0
    model: str | None = None
    provider: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _stored_before_agents(cls, data: Any) -> Any:
        """Jobs stored before phases named their agent kept the role as `agent`."""
        if isinstance(data, dict) and isinstance(data.get("agent"), str):
            data = {**data, "role": data.get("role") or data["agent"], "agent": None}
        return data

    def count_tokens(self, tokens_in: int | None, tokens_out: int | None) -> None:
        """Add one model call's tokens. A call that counted none leaves the phase's tokens
        not counted (None), unless another of its calls counted some."""
        self.tokens_in = _plus(self.tokens_in, tokens_in)
        self.tokens_out = _plus(self.tokens_out, tokens_out)


def _plus(total: int | None, count: int | None) -> int | None:
    if count is None:
        return total or None
    return (total or 0) + count


def _total(counts: list[int | None]) -> int | None:
    """The phases' counted tokens; None when some phase's were not counted and none were."""
    counted = [count for count in counts if count is not None]
    if len(counted) < len(counts) and not any(counted):
        return None
    return sum(counted)


def fresh_phases() -> list[PhaseRecord]:
    return [PhaseRecord(phase=phase.name, role=phase.agent_role) for phase in PHASES]


class Job(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    team_id: str
    slug: str
    spec: JobSpec
    status: JobStatus = "queued"
    approval_gates: list[str] = Field(default_factory=list)
    max_repair_attempts: int = 3
    repair_attempts: int = 0
    project_id: str | None = None
    created_by: str | None = None
    cancel_requested: bool = False
    current_phase: str | None = None
    error: str | None = None
    # The failed phase's `failure`, when a provider's failure failed the job.
    failure: PhaseFailure | None = None
    execution_arn: str | None = None
    revision_notes: dict[str, str] = Field(default_factory=dict)
    phases: list[PhaseRecord] = Field(default_factory=fresh_phases)
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    version: int | None = None

    @property
    def payer(self) -> str:
        """Whom the job's model calls are charged to (whose allowance limits them): its
        creator, or NO_CREATOR for a job nobody is recorded as creating."""
        return self.created_by or NO_CREATOR

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def phase(self, name: str) -> PhaseRecord:
        return next(record for record in self.phases if record.phase == name)

    @property
    def tokens_in(self) -> int | None:
        return _total([record.tokens_in for record in self.phases])

    @property
    def tokens_out(self) -> int | None:
        return _total([record.tokens_out for record in self.phases])

    @property
    def cost_usd(self) -> float:
        return round(sum(record.cost_usd for record in self.phases), 6)


class JobEvent(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    job_id: str
    type: str
    phase: str | None = None
    message: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    at: datetime


ApprovalStatus = Literal["pending", "approved", "rejected", "revise", "expired"]
ApprovalKind = Literal["phase", "budget", "request"]


class BudgetHold(BaseModel):
    """What a budget approval asks: the limit a job's model call hit (BudgetExceeded's
    `limit`, e.g. "Team daily budget"), what was spent of it, and the limit it was then."""

    model_config = ConfigDict(defer_build=True)

    limit: str
    spent_usd: float
    limit_usd: float
    # Set when the approver raised the limit.
    new_limit_usd: float | None = None


class Approval(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    team_id: str
    # A job's approvals name the job and phase; a request (POST /approvals, a workflow's
    # approval step) names neither, and says what it asks in its title and payload.
    job_id: str | None = None
    phase: str | None = None
    status: ApprovalStatus = "pending"
    requested_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    edited_output: bool = False
    budget: BudgetHold | None = None
    title: str | None = None
    description: str | None = None
    payload: dict[str, Any] | None = None
    callback_webhook_id: str | None = None
    requested_by: str | None = None
    # What opened a request besides a person: {"workflow_run_id", "step_id"}, say.
    origin: dict[str, Any] | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kind(self) -> ApprovalKind:
        """ "budget": a limit a job's model call hit; "phase": a gated phase's output;
        "request": anything else someone asked to have approved."""
        if self.job_id is None:
            return "request"
        return "phase" if self.budget is None else "budget"


ProjectStatus = Literal["discovery", "development", "production", "blocked", "archived"]
ProjectHealth = Literal["healthy", "at_risk", "critical"]


class Project(BaseModel):
    """A project: an initiative that groups generation jobs (fields as seed 001 names
    them; the API shapes are functions/jobs/schemas.py's). The defaults read a project
    stored before a field existed."""

    model_config = ConfigDict(defer_build=True)

    id: str
    slug: str
    name: str
    description: str = ""
    status: ProjectStatus = "discovery"
    health: ProjectHealth = "healthy"
    icon: str = ""
    repository: str = ""
    monthly_spend: float = 0.0
    sla: str = "100%"
    build_progress: int = 0
    features: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    # The stored version it was read at (a write back is conditioned on it); never shown.
    version: int | None = Field(default=None, exclude=True)
