"""Request and response shapes of the jobs routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.jobs.domain import ProjectHealth, ProjectStatus
from shared.llm.types import ErrorKind
from shared.numbers import JSON_NUMBER, JsonFloat, JsonInt
from shared.pipeline.definition import GATEABLE_PHASES, PHASE_NAMES
from shared.pipeline.spec import PLATFORMS, Backend, Style, split_list

_MOBILE = ("android", "ios")
# What `platform` takes, as the document states it: one target by name (android and ios
# also together), or a list of one target or of the two mobile ones. Web and python-api
# are each built alone.
PLATFORM_CHOICES = (*PLATFORMS, "android,ios", "ios,android")
_PLATFORM_GROUPS: tuple[tuple[str, ...], ...] = (("web",), ("python-api",), _MOBILE)


def _platform_schema(schema: dict[str, Any]) -> None:
    schema.pop("anyOf", None)
    schema["anyOf"] = [
        {"type": "string", "enum": list(PLATFORM_CHOICES)},
        *(
            {"type": "array", "minItems": 1, "items": {"type": "string", "enum": list(group)}}
            for group in _PLATFORM_GROUPS
        ),
    ]


def _enum_of(names: tuple[str, ...]) -> Any:
    """A string field documented as one of `names` (a validator holds the rule)."""
    return Field(json_schema_extra={"enum": list(names)})


GatePhase = Annotated[str, _enum_of(GATEABLE_PHASES)]
# Tokens the models counted; null: not counted (the template generator tokenizes nothing).
CountedTokens = Annotated[
    int | None,
    Field(description="tokens the models counted; null: not counted (template answers)"),
]


class JobCreate(BaseModel):
    # Not deferred: FastAPI builds a required body's schema at once anyway, and a deferred
    # one makes it warn about an alias it attaches.
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=4000)
    platform: str | list[str] = Field(
        default="android,ios",
        description="web, python-api, android, ios, or android and ios together",
        json_schema_extra=_platform_schema,
    )
    style: Style = "modern"
    backend: Backend = "none"
    features: str | list[str] = Field(default="", description="comma-separated or a list")
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")
    project_id: str | None = Field(default=None, max_length=64)
    approval_gates: list[GatePhase] | None = Field(
        default=None,
        description=f"phases to approve, from {', '.join(GATEABLE_PHASES)}; "
        "left out: the team's approval_gates setting",
    )
    max_repair_attempts: Annotated[int, Field(ge=0, le=10), JSON_NUMBER] | None = Field(
        default=None, description="left out: the team's max_repair_attempts setting"
    )

    @field_validator("platform")
    @classmethod
    def _platforms(cls, value: str | list[str]) -> list[str]:
        # Exactly what the document's `platform` schema allows, no more.
        if isinstance(value, str):
            if value not in PLATFORM_CHOICES:
                raise ValueError(
                    f"platform must be one of {', '.join(PLATFORM_CHOICES)}; got {value!r}"
                )
            return list(dict.fromkeys(value.split(",")))
        platforms = list(dict.fromkeys(value))
        if not any(platforms and set(platforms) <= set(group) for group in _PLATFORM_GROUPS):
            raise ValueError(
                f"platform must be among {', '.join(PLATFORMS)}; got {platforms or 'none'}: "
                "web and python-api are built alone; android and ios alone or together"
            )
        return platforms

    @field_validator("features")
    @classmethod
    def _features(cls, value: str | list[str]) -> list[str]:
        features = split_list(value)
        if len(features) > 20:
            raise ValueError("at most 20 features")
        if any(len(feature) > 40 for feature in features):
            raise ValueError("a feature name is at most 40 characters")
        return features

    @field_validator("approval_gates")
    @classmethod
    def _gates(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = [phase for phase in value if phase not in GATEABLE_PHASES]
        if unknown:
            raise ValueError(
                f"approval gates must be among {', '.join(GATEABLE_PHASES)}; "
                f"got {', '.join(unknown)}"
            )
        return list(dict.fromkeys(value))


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
