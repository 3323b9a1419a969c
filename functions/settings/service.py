"""Team settings (flat, and by category and key), wiping a team's data, the system status
and the team's KPIs.

The settings' rules live in shared.team_settings (two of them are the team budget's
values, read and written there, so every reader sees what the router enforces); this
module audits a change, and names each refused setting as its caller named it. A wipe is
recorded and queued here and done by the team_wipe worker (shared.team_wipe_store).
KPIs read counters, never the team's jobs or projects: the jobs' and projects' counts by
status are kept in the same write as each create, status change and delete
(shared.jobs.counters), so a KPI read costs the same however long the team's history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from functions.settings.schemas import (
    Kpis,
    SettingsPatch,
    SettingValue,
    StatusCounts,
    SystemStatus,
)
from shared import audit
from shared import team_settings_categories as categories
from shared import team_wipe_store as wipes
from shared.agents import service as agents
from shared.costs import summaries
from shared.errors import Conflict, DomainError, ServiceUnavailable, Unprocessable
from shared.jobs import counters
from shared.jobs.domain import ACTIVE_STATUSES, JobStatus
from shared.settings import get_settings
from shared.team_settings import (
    InvalidSettings,
    TeamSettings,
    get_team_settings,
    update_team_settings,
)

QUEUE_BACKEND = "step-functions"
# Where wipes are queued (functions/team_wipe consumes it).
WIPE_QUEUE = "team-wipes"
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


def settings_by_category(team_id: str) -> BaseModel:
    """The team's settings grouped by category (shared.team_settings_categories)."""
    return categories.by_category(get_team_settings(team_id))


def _checked(
    values: Mapping[str, Any], *, where: tuple[str, ...], label: Callable[[str], str]
) -> dict[str, Any]:
    """`values` (by setting name) checked and typed as POST /settings takes them (numbers
    or their plain text, blanks and nulls clearing the nullable ones); SettingsRejected
    naming `label(name)` for each bad one, all at once."""
    try:
        return SettingsPatch.model_validate(dict(values)).changes()
    except ValidationError as exc:
        problems: dict[str, tuple[list[str], str]] = {}
        for error in exc.errors(include_url=False, include_input=False):
            name = str(error["loc"][0]) if error["loc"] else ""
            messages, _ = problems.setdefault(label(name), ([], error["type"]))
            if error["msg"] not in messages:
                messages.append(error["msg"])
        raise categories.rejected(
            where, [(name, "; ".join(msgs), kind) for name, (msgs, kind) in problems.items()]
        ) from None


def _update(
    team_id: str,
    patch: Mapping[str, Any],
    *,
    actor: str,
    ip: str | None,
    where: tuple[str, ...],
    label: Callable[[str], str],
) -> TeamSettings:
    """`update_settings`, its refusals named as the caller named the settings."""
    try:
        return update_settings(team_id, patch, actor=actor, ip=ip)
    except InvalidSettings as exc:
        raise categories.rejected(
            where,
            [
                (label(str(e["loc"][0]) if e["loc"] else ""), e["msg"], e["type"])
                for e in exc.errors
            ],
        ) from None


def update_setting(
    team_id: str, category: str, key: str, value: Any, *, actor: str, ip: str | None
) -> SettingValue:
    """Set one setting by category and key (NotFound for a key the category lacks)."""
    name = categories.setting_name(category, key)
    where = ("body",)

    def label(_: str) -> str:
        return "value"

    patch = _checked({name: value}, where=where, label=label)
    settings = _update(team_id, patch, actor=actor, ip=ip, where=where, label=label)
    return SettingValue(category=category, key=key, value=getattr(settings, name))


def update_bulk(
    team_id: str, values: Mapping[str, Any], *, actor: str, ip: str | None
) -> BaseModel:
    """Set several settings by `<category>.<key>`, all or none: every unknown key and bad
    value is named in one SettingsRejected before anything is written."""
    where = ("body", "settings")
    unknown = [
        (dotted, f"Unknown setting; known: {', '.join(categories.DOTTED_NAMES)}", "extra_forbidden")
        for dotted in values
        if categories.name_of(dotted) is None
    ]
    by_name = {
        name: value
        for dotted, value in values.items()
        if (name := categories.name_of(dotted)) is not None
    }
    try:
        patch = _checked(by_name, where=where, label=categories.dotted)
    except categories.SettingsRejected as exc:
        if not unknown:
            raise
        known_problems = [(e["loc"][-1], e["msg"], e["type"]) for e in exc.errors]
        raise categories.rejected(where, unknown + known_problems) from None
    if unknown:
        raise categories.rejected(where, unknown)
    settings = _update(team_id, patch, actor=actor, ip=ip, where=where, label=categories.dotted)
    return categories.by_category(settings)


def request_wipe(team_id: str, confirm: str, *, actor: str, ip: str | None) -> wipes.Wipe:
    """Record a wipe of the team's data and queue it for the team_wipe worker.

    `confirm` must be the team's id or name (else 422); a team with jobs in progress is a
    409 (their executions would write into the wiped team: cancel them first), as is a
    wipe while another is under way. Audited, refused or not."""
    from shared.queues import send

    def refuse(error: DomainError, outcome: audit.Outcome = "denied") -> DomainError:
        audit.record(team_id, "settings.wipe.requested", actor=actor, ip=ip, outcome=outcome)
        return error

    if not wipes.confirms(team_id, confirm):
        raise refuse(Unprocessable("confirm must be the team's id or its name"))
    jobs = counters.team_counts(team_id).jobs
    in_progress = sum(jobs[status] for status in ACTIVE_STATUSES)
    if in_progress:
        raise refuse(
            Conflict(
                f"The team has {in_progress} job(s) in progress: cancel them or let them end "
                "before wiping"
            )
        )
    try:
        wipe = wipes.start(team_id, requested_by=actor)
    except Conflict as exc:
        raise refuse(exc) from exc
    try:
        send(WIPE_QUEUE, {"team_id": team_id, "wipe_id": wipe.wipe_id, "part": 0})
    except Exception as exc:
        wipes.finish(team_id, wipe.wipe_id, "failed", error="the wipe could not be queued")
        unavailable = ServiceUnavailable("The wipe could not be queued; try again shortly")
        raise refuse(unavailable, "failed") from exc
    audit.record(team_id, "settings.wipe.requested", actor=actor, ip=ip, target=wipe.wipe_id)
    return wipe


def read_wipe(team_id: str, wipe_id: str) -> wipes.Wipe:
    return wipes.get(team_id, wipe_id)


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
