"""Team settings, the system status and the team's KPIs.

The daily limit has one home: the team budget (costs table, shared.costs.budgets), which
the LLM router enforces and PUT /costs/budget replaces. Two settings are that budget's
values, not settings of their own:

    daily_cost_limit         is  budget.daily_limit
    budget_alert_thresholds  is  budget.alert_thresholds

Reading the settings answers the budget's values for them (whatever an older settings item
may hold); updating them changes only those attributes of the budget item
(`budgets.update_budget`), and they are never written to the settings item. So
GET /settings and GET /costs/budget cannot disagree.

An update is checked whole before anything is written: the budget's part by the settings'
own rules, the rest by shared.team_settings (unknown keys and bad values are 422, a lost
race 409). A storage failure between the two writes can leave the first one done; the
same request again completes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from pydantic import ValidationError

from functions.settings import models
from functions.settings.schemas import Kpis, StatusCounts, SystemStatus
from shared import audit, team_settings
from shared.costs import budgets, summaries
from shared.costs.budgets import Budget
from shared.jobs.domain import JobStatus
from shared.settings import get_settings
from shared.team_settings import InvalidSettings, TeamSettings

# Setting name → the budget attribute that holds it.
BUDGET_BACKED: dict[str, str] = {
    "daily_cost_limit": "daily_limit",
    "budget_alert_thresholds": "alert_thresholds",
}
QUEUE_BACKEND = "step-functions"
# Seed 001's project statuses, answered even at zero; any other status found is added.
PROJECT_STATUSES = ("discovery", "development", "production", "blocked")


def _with_budget(settings: TeamSettings, budget: Budget) -> TeamSettings:
    return settings.model_copy(
        update={setting: getattr(budget, field) for setting, field in BUDGET_BACKED.items()}
    )


def read_settings(team_id: str) -> TeamSettings:
    """The team's settings, the budget-backed ones from the budget."""
    return _with_budget(team_settings.get_settings(team_id), budgets.get_budget(team_id))


def _checked_budget_part(patch: Mapping[str, Any]) -> dict[str, Any]:
    """The budget attributes `patch` changes, validated and normalized as settings."""
    part = {name: value for name, value in patch.items() if name in BUDGET_BACKED}
    try:
        checked = TeamSettings.model_validate(part)
    except ValidationError as exc:
        raise InvalidSettings.from_validation(exc) from exc
    return {BUDGET_BACKED[name]: getattr(checked, name) for name in part}


def update_settings(
    team_id: str, patch: Mapping[str, Any], *, actor: str, ip: str | None
) -> TeamSettings:
    """Merge `patch` into the team's settings (a partial update) and answer the result."""
    budget_changes = _checked_budget_part(patch)
    own = {name: value for name, value in patch.items() if name not in BUDGET_BACKED}
    settings = team_settings.update_settings(team_id, own)
    budget = (
        budgets.update_budget(team_id, **budget_changes)
        if budget_changes
        else budgets.get_budget(team_id)
    )
    if patch:
        audit.record(team_id, "settings.update", actor=actor, ip=ip, settings=sorted(patch))
    return _with_budget(settings, budget)


def system_status(team_id: str) -> SystemStatus:
    """Version, what runs jobs, the tables and bucket by logical key, the team's counts."""
    settings = get_settings()
    return SystemStatus(
        version=settings.version,
        stage=settings.stage,
        queue_backend=QUEUE_BACKEND,
        tables=settings.table_names,
        buckets={"artifacts": settings.artifacts_bucket},
        event_bus=settings.event_bus_name,
        counts=StatusCounts(
            jobs=models.count_jobs(team_id),
            providers=models.count_providers(team_id),
            agents=models.count_agents(team_id),
        ),
    )


def _breakdown(counts: Mapping[str, int], always: tuple[str, ...]) -> dict[str, int]:
    return {**dict.fromkeys(always, 0), **counts}


def kpis(team_id: str) -> Kpis:
    """Projects by status, jobs by status and their success rate, costs, and the providers
    and models in use: Queries on the team's partitions and the cost rollups."""
    projects = models.project_status_counts(team_id)
    jobs = models.job_status_counts(team_id)
    enabled = {name: model for name, on, model in models.provider_models(team_id) if on}
    in_use = set(enabled.items()) | {
        (provider, model)
        for provider, model in models.live_agent_models(team_id)
        if provider in enabled
    }
    totals = summaries.summary(team_id)
    finished = jobs["passed"] + jobs["failed"]
    return Kpis(
        total_projects=projects.total(),
        status_breakdown=_breakdown(projects, PROJECT_STATUSES),
        total_jobs=jobs.total(),
        job_status_breakdown=_breakdown(jobs, get_args(JobStatus)),
        success_rate=round(100 * jobs["passed"] / finished, 1) if finished else None,
        total_cost=totals.total_cost_usd,
        month_cost_usd=totals.month_cost_usd,
        total_calls=totals.total_calls,
        active_providers=len(enabled),
        active_models=len(in_use),
    )
