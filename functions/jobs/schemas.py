"""Request and response shapes of the jobs routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.jobs.domain import ProjectHealth, ProjectStatus
from shared.jobs.requests import JobCreate as JobCreate  # re-exported: triggers share it
from shared.llm.types import ErrorKind
from shared.numbers import JsonFloat, JsonInt
from shared.pipeline.definition import PHASE_NAMES

# Tokens the models counted; null: not counted (the template generator tokenizes nothing).
CountedTokens = Annotated[
    int | None,
    Field(description="tokens the models counted; null: not counted (template answers)"),
]


class JobRetry(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    from_phase: str | None = Field(
        default=None,
        description="the phase to run again from; left out or null: the phase that failed",
        json_schema_extra={
            "anyOf": [{"type": "string", "enum": list(PHASE_NAMES)}, {"type": "null"}]
        },
    )

    @field_validator("from_phase")
    @classmethod
    def _phase(cls, value: str | None) -> str | None:
        if value is not None and value not in PHASE_NAMES:
            raise ValueError(f"from_phase must be one of {', '.join(PHASE_NAMES)}")
        return value


class PhaseEstimate(BaseModel):
    model_config = ConfigDict(defer_build=True)

    phase: str
    agent: str
    # The provider and model the phase's agent would use (None: the phase calls no model).
    provider: str | None = None
    model: str | None = None
    skipped: bool
    tokens_in: int
    tokens_out: int
    cost_usd: float
    seconds: float


class JobEstimate(BaseModel):
    model_config = ConfigDict(defer_build=True)

    model: str = Field(description="the model most phases would use; each phase names its own")
    phases: list[PhaseEstimate]
    tokens_in: int
    tokens_out: int
    cost_usd: float
    seconds: float
    notes: list[str] = Field(default_factory=list)


class FailurePublic(BaseModel):
    """Why a provider failed the phase (or the job)."""

    model_config = ConfigDict(defer_build=True)

    provider: str | None = Field(description="the provider that failed, as the team named it")
    kind: ErrorKind
    status: int | None = Field(description="its last answer's HTTP status; null: no answer")
    message: str = Field(description="the start of its own explanation, without credentials")
    attempts: int = Field(description="how many times the phase was tried")


class PhaseAgentPublic(BaseModel):
    """The team's agent that served a phase (GET /agents/{id})."""

    model_config = ConfigDict(defer_build=True)

    id: str
    name: str


class JobPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    slug: str
    name: str
    description: str
    platform: str
    target: str
    style: str
    backend: str
    features: list[str]
    status: str
    current_phase: str | None
    cancel_requested: bool
    approval_gates: list[str]
    max_repair_attempts: int
    repair_attempts: int
    project_id: str | None
    error: str | None
    failure: FailurePublic | None = Field(
        default=None, description="when a provider's failure failed the job: who and why"
    )
    tokens_in: CountedTokens
    tokens_out: CountedTokens
    cost_usd: float
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    links: dict[str, Any]


class PhasePublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    phase: str
    role: str = Field(description="what the phase asks of its agent")
    agent: PhaseAgentPublic | None = Field(
        description="the agent that served the phase; null: it has not run, or no agent is "
        "set for it (the built-in template generator answered)"
    )
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    error: str | None
    failure: FailurePublic | None = Field(
        default=None, description="when a provider's failure failed the phase: who and why"
    )
    attempts: int
    tokens_in: CountedTokens
    tokens_out: CountedTokens
    cost_usd: float
    model: str | None
    provider: str | None


class CancelAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    slug: str
    status: str
    cancel_requested: bool


class DownloadLink(BaseModel):
    model_config = ConfigDict(defer_build=True)

    url: str
    expires_in: int


class TreeEntryPublic(BaseModel):
    model_config = ConfigDict(defer_build=True, populate_by_name=True)

    path: str
    name: str
    is_dir: bool = Field(serialization_alias="isDir", validation_alias="isDir")
    size: int


class FilePublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    path: str
    content: str


class JobEventPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    type: str
    phase: str | None
    message: str
    data: dict[str, Any]
    at: datetime


SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$"


class ProjectFields(BaseModel):
    """What a caller may set on a project."""

    # Not deferred: FastAPI builds a required body's schema at once anyway, and a deferred
    # one makes it warn about an alias it attaches.
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=4000)
    status: ProjectStatus = "discovery"
    health: ProjectHealth = "healthy"
    icon: str = Field(default="", max_length=16)
    repository: str = Field(default="", max_length=500)
    # JSON numbers only: `false` is not 0 (the schema says number, integer).
    monthly_spend: JsonFloat = Field(default=0.0, ge=0, allow_inf_nan=False)
    sla: str = Field(default="100%", max_length=16)
    build_progress: JsonInt = Field(default=0, ge=0, le=100)
    features: list[str] = Field(default_factory=list, max_length=50)


class ProjectCreate(ProjectFields):
    slug: str | None = Field(default=None, pattern=SLUG_PATTERN)


class ProjectPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    slug: str
    name: str
    description: str
    status: str
    health: str
    icon: str
    repository: str
    monthly_spend: float
    sla: str
    build_progress: int
    features: list[str]
    created_at: datetime
    updated_at: datetime


class ProjectDetail(ProjectPublic):
    jobs: list[JobPublic]
    jobs_total: int
