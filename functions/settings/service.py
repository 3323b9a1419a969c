"""Team settings, the system status and the team's KPIs.

The settings' rules live in shared.team_settings (two of them are the team budget's
values, read and written there, so every reader sees what the router enforces); this
module audits a change. KPIs read counters, never the team's jobs or projects: the jobs'
and projects' counts by status are kept in the same write as each create, status change
and delete (shared.jobs.counters), so a KPI read costs the same however long the team's
history.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from functions.settings.schemas import Kpis, StatusCounts, SystemStatus
from shared import audit
from shared.agents import service as agents
from shared.costs import summaries
from shared.jobs import counters
from shared.jobs.domain import JobStatus
from shared.settings import get_settings
from shared.team_settings import TeamSettings, get_team_settings, update_team_settings

QUEUE_BACKEND = "step-functions"
# Seed 001's project statuses, answered even at zero; any other status found is added.
PROJECT_STATUSES = ("discovery", "development", "production", "blocked")


def read_settings(team_id: str) -> TeamSettings:
    """The team's settings, the budget-backed ones from the budget."""
    return get_team_settings(team_id)


def update_settings(
    team_id: str, patch: Mapping[str, Any], *, actor: str, ip: str | None
) -> TeamSettings:
    """Merge `patch` into the team's settings (a partial update) and answer the result."""
    settings = update_team_settings(team_id, patch)
    if patch:
        audit.record(team_id, "settings.update", actor=actor, ip=ip, settings=sorted(patch))
    return settings


def system_status(team_id: str) -> SystemStatus:
    """Version, what runs jobs, the tables and bucket by logical key, the team's counts."""
    # Imported here: the provider registry's package brings the provider clients (httpx),
    # which only the status and the KPIs need.
    from shared.llm.registry import service as providers

    settings = get_settings()
    return SystemStatus(
        version=settings.version,
        stage=settings.stage,
        queue_backend=QUEUE_BACKEND,
        tables=settings.table_names,
        buckets={"artifacts": settings.artifacts_bucket},
        event_bus=settings.event_bus_name,
        counts=StatusCounts(
            jobs=counters.team_counts(team_id).jobs.total(),
            providers=providers.count_providers(team_id),
            agents=agents.count_live_agents(team_id),
        ),
    )


def _breakdown(counts: Mapping[str, int], always: tuple[str, ...]) -> dict[str, int]:
    return {**dict.fromkeys(always, 0), **counts}


def kpis(team_id: str) -> Kpis:
    """Projects by status, jobs by status and their success rate, costs, and the providers
    and models in use: the team's counters (one Query), the cost rollups (one
    BatchGetItem), and its providers and agents (one Query each, a team has tens); none
    grows with the jobs and projects the team has had."""
    from shared.llm.registry import service as providers

    counts = counters.team_counts(team_id)
    jobs = counts.jobs
    enabled = {name: model for name, on, model in providers.provider_models(team_id) if on}
    in_use = set(enabled.items()) | {
        (provider, model)
        for provider, model in agents.live_agent_models(team_id)
        if provider in enabled
    }
    totals = summaries.summary(team_id)
    finished = jobs["passed"] + jobs["failed"]
    return Kpis(
        total_projects=counts.projects.total(),
        status_breakdown=_breakdown(counts.projects, PROJECT_STATUSES),
        total_jobs=jobs.total(),
        job_status_breakdown=_breakdown(jobs, get_args(JobStatus)),
        success_rate=round(100 * jobs["passed"] / finished, 1) if finished else None,
        total_cost=totals.total_cost_usd,
        month_cost_usd=totals.month_cost_usd,
        total_calls=totals.total_calls,
        active_providers=len(enabled),
        active_models=len(in_use),
    )
