"""Cost pages, the team budget and user allowances: the rules between the routes and
shared.costs (which keeps the ledger, its rollups, budgets and allowances).

- Breakdowns are the ledger's rollups, paged in name order as the ledger keeps them; jobs are
  shown with their slug and agents with their name (one BatchGetItem per page), the id kept
  beside it, since a job may be deleted and an agent renamed.
- The overview (GET /costs) is the summary with the top lines of each breakdown: agents,
  providers and models costliest first (among the first 100 by name; a team has tens),
  jobs newest first (job ids sort by time), and the last days.
- The budget item is the one record of the team's limits: the router enforces it, PUT
  /costs/budget replaces it (`shared.costs.budget_updates`, on the version read), and the
  team settings' `daily_cost_limit` and `budget_alert_thresholds` are its values
  (shared.team_settings reads and writes them there).
- Allowances: anyone reads their own usage; an admin also reads any account's of the team
  (`user_id`) and sets allowances, their own by default or another account's with
  `user_id`. A member may not set even their own: an allowance limits them. The same holds
  for what remains of it, its reset date and a reset (shared.costs.allowances keeps the
  period). Anyone reports a usage of their own (POST /users/me/usage), which only adds to
  their spend.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from functions.costs.schemas import (
    MAX_USAGE_METADATA_BYTES,
    OVERVIEW_DAYS,
    OVERVIEW_LINES,
    AllowanceUpdate,
    BudgetUpdate,
)
from shared import audit
from shared.agents import store as agents
from shared.auth.principal import Principal
from shared.costs import allowances, budget_store, budget_updates, ledger, summaries
from shared.costs.amounts import micros_to_usd, usd_to_micros
from shared.costs.calls import CallRecord
from shared.costs.domain import Budget
from shared.costs.summaries import CostLine, CostSummary, DailyCost, UserUsage
from shared.errors import Forbidden, PayloadTooLarge
from shared.identity.domain import User
from shared.identity.store import users
from shared.ids import utcnow
from shared.jobs import store as jobs
from shared.pagination import MAX_LIMIT, PageParams

# Agent rollups read to find the costliest agents (a team has tens).
_AGENT_LINES = 2000
# A usage a client reports (POST /users/me/usage) is a ledger call of this provider and
# model: the cost pages show it as such.
REPORTED_PROVIDER = "client"
REPORTED_MODEL = "reported"


@dataclass(frozen=True, slots=True)
class Named:
    """A breakdown line with what it is shown as: the agent's name or the job's slug (None
    when the agent or job is no longer stored)."""

    line: CostLine
    label: str | None


type Listing[T] = tuple[list[T], int, str | None]


@dataclass(frozen=True, slots=True)
class Summary:
    totals: CostSummary
    top_agent: Named | None


@dataclass(frozen=True, slots=True)
class Overview:
    summary: Summary
    by_agent: list[Named]
    by_job: list[Named]
    by_provider: list[CostLine]
    by_model: list[CostLine]
    daily: list[DailyCost]


@dataclass(frozen=True, slots=True)
class BudgetView:
    """The budget with what today and this month (UTC) have spent against it."""

    budget: Budget
    today: date
    month: str
    today_spent_usd: float
    month_spent_usd: float
    daily_remaining_usd: float | None  # never below 0; None: unlimited
    monthly_remaining_usd: float | None


def _with_agent_names(team_id: str, lines: list[CostLine]) -> list[Named]:
    names = agents.agent_names(team_id, (line.name for line in lines))
    return [Named(line, names.get(line.name)) for line in lines]


def _with_job_slugs(team_id: str, lines: list[CostLine]) -> list[Named]:
    slugs = jobs.job_slugs(team_id, (line.name for line in lines))
    return [Named(line, slugs.get(line.name)) for line in lines]


def _costliest(lines: list[CostLine], count: int) -> list[CostLine]:
    return sorted(lines, key=lambda line: (-line.cost_usd, line.name))[:count]


def agent_costs(team_id: str, params: PageParams) -> Listing[Named]:
    lines, total, cursor = summaries.by_agent(team_id, params)
    return _with_agent_names(team_id, lines), total, cursor


def job_costs(team_id: str, params: PageParams) -> Listing[Named]:
    lines, total, cursor = summaries.by_job(team_id, params)
    return _with_job_slugs(team_id, lines), total, cursor


def provider_costs(team_id: str, params: PageParams) -> Listing[CostLine]:
    return summaries.by_provider(team_id, params)


def model_costs(team_id: str, params: PageParams) -> Listing[CostLine]:
    return summaries.by_model(team_id, params)


def daily_costs(team_id: str, days: int) -> list[DailyCost]:
    return summaries.daily(team_id, days)


def _top_agents(team_id: str, count: int) -> list[Named]:
    """The `count` costliest agents, named (one Query and one BatchGetItem)."""
    every = summaries.lines(team_id, "AGENT", _AGENT_LINES)
    return _with_agent_names(team_id, _costliest(every, count))


def cost_summary(team_id: str) -> Summary:
    """All-time, this month's and today's totals, and the costliest agent."""
    top = _top_agents(team_id, 1)
    return Summary(summaries.summary(team_id), top[0] if top else None)


def overview(team_id: str) -> Overview:
    by_agent = _top_agents(team_id, OVERVIEW_LINES)  # the first is the summary's top agent
    providers = summaries.lines(team_id, "PROVIDER", MAX_LIMIT)
    model_lines = summaries.lines(team_id, "MODEL", MAX_LIMIT)
    return Overview(
        summary=Summary(summaries.summary(team_id), by_agent[0] if by_agent else None),
        by_agent=by_agent,
        by_job=_with_job_slugs(team_id, summaries.recent_jobs(team_id, OVERVIEW_LINES)),
        by_provider=_costliest(providers, OVERVIEW_LINES),
        by_model=_costliest(model_lines, OVERVIEW_LINES),
        daily=summaries.daily(team_id, OVERVIEW_DAYS),
    )


def _remaining(limit_usd: float | None, spent_usd: float) -> float | None:
    if limit_usd is None:
        return None
    return micros_to_usd(max(0, usd_to_micros(limit_usd) - usd_to_micros(spent_usd)))


def _view(team_id: str, budget: Budget) -> BudgetView:
    totals = summaries.summary(team_id)
    return BudgetView(
        budget=budget,
        today=totals.today,
        month=totals.month,
        today_spent_usd=totals.today_cost_usd,
        month_spent_usd=totals.month_cost_usd,
        daily_remaining_usd=_remaining(budget.daily_limit, totals.today_cost_usd),
        monthly_remaining_usd=_remaining(budget.monthly_limit, totals.month_cost_usd),
    )


def get_budget(team_id: str) -> BudgetView:
    return _view(team_id, budget_store.get_budget(team_id))


def set_budget(team_id: str, update: BudgetUpdate, *, actor: str, ip: str | None) -> BudgetView:
    """Replace the team's budget (a limit left out is unlimited); audited."""
    budget = budget_updates.set_budget(team_id, **update.model_dump())
    audit.record(
        team_id,
        "budget.update",
        actor=actor,
        ip=ip,
        monthly_limit=budget.monthly_limit,
        daily_limit=budget.daily_limit,
        alert_thresholds=budget.alert_thresholds,
    )
    return _view(team_id, budget)


def _whose(principal: Principal, user_id: str | None) -> str:
    """The account a usage or allowance request is about: the caller's own unless `user_id`
    names another; only an admin may name another (Forbidden), and only an account of the
    team (NotFound, as for any id of another team)."""
    if user_id is None or user_id == principal.subject:
        return principal.subject
    if principal.role != "admin":
        raise Forbidden("Only admins see another account's usage")
    # Raises NotFound for an id of no account of the team; projected: only existence counts.
    users.ensure_user(principal.team_id, user_id)
    return user_id


def get_usage(principal: Principal, user_id: str | None = None) -> UserUsage:
    """This month's spend of the caller (or, for an admin, of `user_id`) and its allowance."""
    return summaries.user_usage(principal.team_id, _whose(principal, user_id))


def _audited(principal: Principal, action: str, target: str, ip: str | None, **detail: Any) -> None:
    audit.record(principal.team_id, action, actor=principal.subject, target=target, ip=ip, **detail)


def set_allowance(
    principal: Principal, update: AllowanceUpdate, *, user_id: str | None, ip: str | None
) -> UserUsage:
    """Set a monthly allowance (None: unlimited); the route admits admins only. Answers the
    account's usage against the new allowance."""
    target = _whose(principal, user_id)
    allowance = budget_store.set_allowance(principal.team_id, target, update.monthly_allowance)
    audit.record(
        principal.team_id,
        "allowance.update",
        actor=principal.subject,
        target=target,
        ip=ip,
        monthly_allowance=allowance.monthly_allowance,
    )
    return summaries.user_usage(principal.team_id, target)


def set_spend_remaining(
    principal: Principal, remaining_usd: float, *, user_id: str | None, ip: str | None
) -> UserUsage:
    """What remains of an allowance this period (the route admits admins only)."""
    target = _whose(principal, user_id)
    allowances.set_spend_remaining(principal.team_id, target, remaining_usd)
    _audited(principal, "allowance.spend_remaining", target, ip, spend_remaining=remaining_usd)
    return summaries.user_usage(principal.team_id, target)


def set_reset_date(
    principal: Principal, reset_at: datetime | None, *, user_id: str | None, ip: str | None
) -> UserUsage:
    """When an allowance next renews (the route admits admins only)."""
    target = _whose(principal, user_id)
    allowances.set_reset_date(principal.team_id, target, reset_at)
    _audited(
        principal,
        "allowance.reset_date",
        target,
        ip,
        reset_at=None if reset_at is None else reset_at.isoformat(),
    )
    return summaries.user_usage(principal.team_id, target)


def reset_allowance(principal: Principal, *, user_id: str | None, ip: str | None) -> UserUsage:
    """Renew an allowance now (the route admits admins only: a member would lift their own
    limit)."""
    target = _whose(principal, user_id)
    allowances.reset_usage(principal.team_id, target)
    _audited(principal, "allowance.reset", target, ip)
    return summaries.user_usage(principal.team_id, target)


def record_usage(
    principal: Principal, cost_usd: float, metadata: dict[str, Any] | None
) -> UserUsage:
    """A call made elsewhere, reported by the caller with its cost: a ledger entry of
    provider `client` (so the team's totals and the caller's allowance count it); a passed
    reset date is applied first, as a budget check would."""
    if metadata is not None:
        size = len(json.dumps(metadata, separators=(",", ":")).encode())
        if size > MAX_USAGE_METADATA_BYTES:
            raise PayloadTooLarge(
                f"metadata is {size} bytes as JSON; at most {MAX_USAGE_METADATA_BYTES}"
            )
    now = utcnow()
    allowances.apply_due_reset(principal.team_id, principal.subject, now)
    ledger.record_call(
        CallRecord(
            team_id=principal.team_id,
            user_id=principal.subject,
            provider=REPORTED_PROVIDER,
            model=REPORTED_MODEL,
            tokens_in=None,
            tokens_out=None,
            reported_cost_micros=usd_to_micros(cost_usd),
            metadata=metadata,
            at=now,
        )
    )
    return summaries.user_usage(principal.team_id, principal.subject, now)


@dataclass(frozen=True, slots=True)
class Profile:
    """GET /users/me: the account (None for an API key), the team's budget, the usage."""

    principal: Principal
    user: User | None
    budget: BudgetView
    usage: UserUsage


def profile(principal: Principal) -> Profile:
    user = users.get_user(principal.team_id, principal.subject) if principal.is_user else None
    return Profile(
        principal=principal,
        user=user,
        budget=get_budget(principal.team_id),
        usage=summaries.user_usage(principal.team_id, principal.subject),
    )
