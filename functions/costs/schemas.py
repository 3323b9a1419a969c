"""The costs group's API shapes: the budget and allowance bodies, and the answers of the
cost pages (the summaries' own shapes, `CostSummary`, `DailyCost`, `UserUsage`, come from
shared.costs.summaries as they are)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from shared.costs.allowance_fields import RESET_DATE_HELP, ResetDate, reset_moment
from shared.costs.amounts import MAX_THRESHOLDS, Percent, Usd, default_thresholds, sorted_thresholds
from shared.costs.summaries import CostSummary, DailyCost, Tokens

OVERVIEW_LINES = 10
OVERVIEW_DAYS = 7
MAX_USAGE_METADATA_BYTES = 4096


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
    """PUT /users/me/monthly-allowance: seed 002's `monthlyAllowance`, or `monthly_allowance`."""

    model_config = ConfigDict(extra="forbid")

    monthly_allowance: Usd | None = Field(
        default=None,
        validation_alias=AliasChoices("monthlyAllowance", "monthly_allowance"),
        description="USD per UTC month (`monthly_allowance` too); null or left out: unlimited",
    )


class SpendRemainingUpdate(BaseModel):
    """PUT /users/me/spend-remaining."""

    model_config = ConfigDict(extra="forbid")

    spend_remaining: Usd = Field(
        validation_alias=AliasChoices("spendRemaining", "spend_remaining"),
        description="USD left of the allowance this period (`spend_remaining` too); at most "
        "the allowance",
    )


class ResetDateUpdate(BaseModel):
    """PUT /users/me/allowance-reset-date."""

    model_config = ConfigDict(extra="forbid")

    allowance_reset_date: ResetDate | None = Field(
        validation_alias=AliasChoices("allowanceResetDate", "allowance_reset_date"),
        description="when the allowance next renews, in the future (`allowance_reset_date` "
        f"too): {RESET_DATE_HELP}; null: at the next UTC month's start only",
    )

    def reset_at(self) -> datetime | None:
        return reset_moment(self.allowance_reset_date)


class UsageReport(BaseModel):
    """POST /users/me/usage: a call made elsewhere, reported with its cost."""

    model_config = ConfigDict(extra="forbid")

    response_cost: Usd = Field(
        validation_alias=AliasChoices("responseCost", "response_cost"),
        description="USD the call cost (`response_cost` too)",
    )
    metadata: dict[str, Any] | None = Field(
        default=None,
        description=f"what the client says of the call (at most {MAX_USAGE_METADATA_BYTES} "
        "bytes as JSON: 413 above)",
    )


class BasicInfo(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    user_id: str
    team_id: str
    email: str | None = Field(description="null for an API key")
    display_name: str | None = Field(description="null for an API key")
    role: str
    created_at: datetime | None


class BillingInfo(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    currency: Literal["USD"] = "USD"
    team_monthly_limit: float | None = Field(description="the team's budget; null: unlimited")
    team_daily_limit: float | None
    team_month_spent: float = Field(description="what the team spent this UTC month")


class UsageInfo(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    monthly_allowance: float | None = Field(description="USD per UTC month; null: unlimited")
    allowance_reset_date: float = Field(
        description="when the allowance next renews, in seconds since 1970"
    )
    spend_remaining: float | None = Field(description="USD left this period; null: unlimited")
    period_spent: float = Field(description="USD counted against the allowance this period")
    month_spent: float = Field(description="USD spent this UTC month")
    month: str
    calls: int = Field(description="calls this UTC month")


class UserProfile(BaseModel):
    """GET /users/me: seed 002's User, in its camelCase."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    basic_info: BasicInfo
    billing_info: BillingInfo
    usage_info: UsageInfo


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
