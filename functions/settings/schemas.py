"""Answers of the settings group besides the settings themselves (shared.team_settings'
`TeamSettings` is answered as it is)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class StatusCounts(BaseModel):
    model_config = ConfigDict(defer_build=True)

    jobs: int
    providers: int
    agents: int = Field(description="agents that are not deleted")


class SystemStatus(BaseModel):
    """What runs the API, by logical name; no secret and no secret's name."""

    model_config = ConfigDict(defer_build=True)

    status: str = "ok"
    version: str
    stage: str
    queue_backend: str = Field(description="what runs generation jobs")
    tables: dict[str, str] = Field(description="DynamoDB table name by logical key")
    buckets: dict[str, str] = Field(description="S3 bucket name by logical key")
    event_bus: str
    counts: StatusCounts = Field(description="the caller's team's")


class Kpis(BaseModel):
    """The team's dashboard figures (seed 001's names, with the jobs' beside them)."""

    model_config = ConfigDict(defer_build=True)

    total_projects: int
    status_breakdown: dict[str, int] = Field(description="projects by status")
    total_jobs: int
    job_status_breakdown: dict[str, int] = Field(description="jobs by status")
    success_rate: float | None = Field(
        description="percent of finished jobs that passed (cancelled ones left out); "
        "null until a job has passed or failed"
    )
    total_cost: float = Field(description="USD spent on LLM calls, all time")
    month_cost_usd: float = Field(description="USD spent this UTC month")
    total_calls: int
    active_providers: int = Field(description="providers that are enabled")
    active_models: int = Field(
        description="distinct provider and model pairs in use: enabled providers' default "
        "models and the models of agents on an enabled provider"
    )
