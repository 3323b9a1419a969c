"""The costs group's API shapes: the budget and allowance bodies, and the answers of the
cost pages (the summaries' own shapes, `CostSummary`, `DailyCost`, `UserUsage`, come from
shared.costs.summaries as they are)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.costs.amounts import MAX_THRESHOLDS, Percent, Usd, default_thresholds, sorted_thresholds
from shared.costs.summaries import CostSummary, DailyCost, Tokens

OVERVIEW_LINES = 10
OVERVIEW_DAYS = 7


class BudgetUpdate(BaseModel):
    """PUT /costs/budget: replaces the team's budget; a limit left out is unlimited."""

    model_config = ConfigDict(extra="forbid")

    monthly_limit: Usd | None = Field(default=None, description="USD per UTC month")
    daily_limit: Usd | None = Field(default=None, description="USD per UTC day")
    alert_thresholds: list[Percent] = Field(
        default_factory=default_thresholds,
        max_length=MAX_THRESHOLDS,
        description="Percents of a limit at which budget.threshold_crossed is published",
    )

    @field_validator("alert_thresholds")
    @classmethod
    def _sorted_unique(cls, thresholds: list[int]) -> list[int]:
        return sorted_thresholds(thresholds)


class AllowanceUpdate(BaseModel):
    """PUT /users/me/monthly-allowance."""

    model_config = ConfigDict(extra="forbid")

    monthly_allowance: Usd | None = Field(default=None, description="USD per UTC month")


class _Line(BaseModel):
    model_config = ConfigDict(defer_build=True)

    cost_usd: float
    calls: int
    tokens_in: Tokens
    tokens_out: Tokens
    last_call_at: datetime | None = Field(description="when the latest call was recorded")


class AgentCost(_Line):
    agent_id: str
    agent: str = Field(description="the agent's name, or its id when the agent is gone")


class JobCost(_Line):
    job_id: str
    job_slug: str | None = Field(description="null when the job has been deleted")


class ProviderCost(_Line):
    provider: str


class ModelCost(_Line):
    model: str


class CostSummaryPublic(CostSummary):
    top_agent: str | None = Field(description="the costliest agent's name (null: no agent yet)")
    top_agent_id: str | None


class CostOverview(CostSummaryPublic):
    by_agent: list[AgentCost] = Field(description="the costliest agents")
    by_job: list[JobCost] = Field(description="the newest jobs")
    by_provider: list[ProviderCost] = Field(description="the costliest providers")
    by_model: list[ModelCost] = Field(description="the costliest models")
    daily: list[DailyCost] = Field(description=f"the last {OVERVIEW_DAYS} days (UTC)")


class BudgetPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    monthly_limit: float | None = Field(description="USD per UTC month; null: unlimited")
    daily_limit: float | None = Field(
        description="USD per UTC day; null: unlimited (the same value as the team setting "
        "daily_cost_limit)"
    )
    alert_thresholds: list[int]
    updated_at: datetime | None
    today: date
    month: str
    today_spent_usd: float
    month_spent_usd: float
    daily_remaining_usd: float | None
    monthly_remaining_usd: float | None
