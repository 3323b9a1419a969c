"""Cost routes: the ledger's summaries and breakdowns, the team budget, user usage and
allowances. HTTP shapes and auth only; the rules are in service.py.

Who may: every member reads; an admin sets the budget and allowances. `GET /users/me/usage`
and the allowance's setters (`PUT /users/me/monthly-allowance`, `/spend-remaining`,
`/allowance-reset-date`, `POST /users/me/reset-allowance`) take `user_id` for an admin to
read or set another account's (the caller's own without it); a member asking for another's
is 403. Seed 002's bodies are taken in its camelCase and in snake_case; `GET /users/me` is
its `User` (`basicInfo`, `billingInfo`, `usageInfo`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import BaseModel

from functions.costs import service
from functions.costs.schemas import (
    MAX_USAGE_METADATA_BYTES,
    AgentCost,
    AllowanceUpdate,
    BasicInfo,
    BillingInfo,
    BudgetPublic,
    BudgetUpdate,
    CostOverview,
    CostSummaryPublic,
    JobCost,
    ModelCost,
    ProviderCost,
    ResetDateUpdate,
    SpendRemainingUpdate,
    UsageInfo,
    UsageReport,
    UserProfile,
)
from functions.costs.service import BudgetView, Listing, Named, Summary
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.costs.summaries import MAX_DAILY_DAYS, CostLine, DailyCost, UserUsage
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, PageParams, Pagination, page_answer
from shared.ratelimit import client_ip

router = group_router(tags=["costs"], responses=error_responses(401, 403, 422))


def _counts(line: CostLine) -> dict[str, Any]:
    return line.model_dump(exclude={"name"})


def _agent(named: Named) -> dict[str, Any]:
    line = named.line
    return AgentCost(
        **_counts(line), agent_id=line.name, agent=named.label or line.name
    ).model_dump()


def _job(named: Named) -> dict[str, Any]:
    return JobCost(**_counts(named.line), job_id=named.line.name, job_slug=named.label).model_dump()


def _provider(line: CostLine) -> dict[str, Any]:
    return ProviderCost(**_counts(line), provider=line.name).model_dump()


def _model(line: CostLine) -> dict[str, Any]:
    return ModelCost(**_counts(line), model=line.name).model_dump()


def _summary(summary: Summary) -> dict[str, Any]:
    top = summary.top_agent
    return {
        **summary.totals.model_dump(),
        "top_agent": None if top is None else top.label or top.line.name,
        "top_agent_id": None if top is None else top.line.name,
    }


def _budget(view: BudgetView) -> BudgetPublic:
    return BudgetPublic(
        **view.budget.model_dump(),
        today=view.today,
        month=view.month,
        today_spent_usd=view.today_spent_usd,
        month_spent_usd=view.month_spent_usd,
        daily_remaining_usd=view.daily_remaining_usd,
        monthly_remaining_usd=view.monthly_remaining_usd,
    )


@router.get(
    "/costs",
    response_model=CostOverview,
    summary="Totals with the top agents, providers and models, the newest jobs, the last days",
)
async def get_costs(principal: CurrentPrincipal) -> dict[str, Any]:
    overview = service.overview(principal.team_id)
    return {
        **_summary(overview.summary),
        "by_agent": [_agent(named) for named in overview.by_agent],
        "by_job": [_job(named) for named in overview.by_job],
        "by_provider": [_provider(line) for line in overview.by_provider],
        "by_model": [_model(line) for line in overview.by_model],
        "daily": overview.daily,
    }


@router.get(
    "/costs/summary",
    response_model=CostSummaryPublic,
    summary="All-time, this month's and today's totals (UTC), and the costliest agent",
)
async def get_cost_summary(principal: CurrentPrincipal) -> dict[str, Any]:
    return _summary(service.cost_summary(principal.team_id))


def _add_breakdown[T](
    path: str,
    name: str,
    response_model: type[BaseModel],
    summary: str,
    lines: Callable[[str, PageParams], Listing[T]],
    shown: Callable[[T], dict[str, Any]],
) -> None:
    """One paged breakdown route, `GET /costs/by-<what>`. `name` is the endpoint's name,
    which the OpenAPI operation id is made from."""

    async def endpoint(principal: CurrentPrincipal, page: Pagination) -> dict[str, Any]:
        found, total, cursor = lines(principal.team_id, page)
        return page_answer([shown(line) for line in found], total, page, cursor)

    router.add_api_route(
        path,
        endpoint,
        methods=["GET"],
        name=name,
        response_model=response_model,
        responses=LIST_RESPONSES,
        summary=summary,
    )


# Registered here, between /costs/summary and /costs/daily, as the OpenAPI document lists them.
_add_breakdown(
    "/costs/by-agent",
    "list_agent_costs",
    Page[AgentCost],
    "Costs per agent, in agent id order",
    service.agent_costs,
    _agent,
)
_add_breakdown(
    "/costs/by-job",
    "list_job_costs",
    Page[JobCost],
    "Costs per job, oldest job first",
    service.job_costs,
    _job,
)
_add_breakdown(
    "/costs/by-provider",
    "list_provider_costs",
    Page[ProviderCost],
    "Costs per provider, by name",
    service.provider_costs,
    _provider,
)
_add_breakdown(
    "/costs/by-model",
    "list_model_costs",
    Page[ModelCost],
    "Costs per model, by name",
    service.model_costs,
    _model,
)


@router.get(
    "/costs/daily",
    response_model=list[DailyCost],
    summary="One entry per UTC day, oldest first, today included; days without calls are zeros",
)
async def list_daily_costs(
    principal: CurrentPrincipal,
    days: Annotated[int, Query(ge=1, le=MAX_DAILY_DAYS, description="how many days")] = 30,
) -> list[DailyCost]:
    return service.daily_costs(principal.team_id, days)


@router.get(
    "/costs/budget",
    response_model=BudgetPublic,
    summary="The team's limits and what today and this month have spent against them",
)
async def get_budget(principal: CurrentPrincipal) -> BudgetPublic:
    return _budget(service.get_budget(principal.team_id))


@router.put(
    "/costs/budget",
    response_model=BudgetPublic,
    summary="Replace the team's budget (admins); a limit left out is unlimited",
)
async def set_budget(
    body: BudgetUpdate, principal: AdminPrincipal, request: Request
) -> BudgetPublic:
    view = service.set_budget(
        principal.team_id, body, actor=principal.subject, ip=client_ip(request)
    )
    return _budget(view)


UserId = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="another account of the team (admins only); the caller's own without it",
    ),
]


@router.get(
    "/users/me/usage",
    response_model=UserUsage,
    responses=error_responses(404),
    summary="This month's LLM spend and what remains of the monthly allowance",
)
async def get_usage(principal: CurrentPrincipal, user_id: UserId = None) -> UserUsage:
    return service.get_usage(principal, user_id)


@router.put(
    "/users/me/monthly-allowance",
    response_model=UserUsage,
    responses=error_responses(404),
    summary="Set a monthly allowance (admins): their own, or another account's with user_id",
)
async def set_monthly_allowance(
    body: AllowanceUpdate, principal: AdminPrincipal, request: Request, user_id: UserId = None
) -> UserUsage:
    return service.set_allowance(principal, body, user_id=user_id, ip=client_ip(request))


_PROFILE = error_responses(404)
_PROFILE[404]["description"] = "The signed-in account no longer exists"


@router.get(
    "/users/me",
    response_model=UserProfile,
    responses=_PROFILE,
    summary="The caller's account, the team's budget and their usage (seed 002's User)",
)
async def get_me(principal: CurrentPrincipal) -> UserProfile:
    found = service.profile(principal)
    user, budget, usage = found.user, found.budget, found.usage
    return UserProfile(
        basic_info=BasicInfo(
            user_id=principal.subject,
            team_id=principal.team_id,
            email=None if user is None else user.email,
            display_name=None if user is None else user.full_name,
            role=principal.role,
            created_at=None if user is None else user.created_at,
        ),
        billing_info=BillingInfo(
            team_monthly_limit=budget.budget.monthly_limit,
            team_daily_limit=budget.budget.daily_limit,
            team_month_spent=budget.month_spent_usd,
        ),
        usage_info=UsageInfo(
            monthly_allowance=usage.monthly_allowance,
            allowance_reset_date=usage.allowance_reset_at.timestamp(),
            spend_remaining=usage.remaining_usd,
            period_spent=usage.period_spent_usd,
            month_spent=usage.spent_usd,
            month=usage.month,
            calls=usage.calls,
        ),
    )


_NO_ALLOWANCE = error_responses(404, 409)
_NO_ALLOWANCE[409]["description"] = "No monthly allowance is set: what remains is unlimited"


@router.put(
    "/users/me/spend-remaining",
    response_model=UserUsage,
    responses=_NO_ALLOWANCE,
    summary="Set what remains of a monthly allowance this period (admins)",
    description="At most the allowance (422 above). The caller's own, or another account's "
    "with user_id.",
)
async def set_spend_remaining(
    body: SpendRemainingUpdate, principal: AdminPrincipal, request: Request, user_id: UserId = None
) -> UserUsage:
    return service.set_spend_remaining(
        principal, body.spend_remaining, user_id=user_id, ip=client_ip(request)
    )


@router.put(
    "/users/me/allowance-reset-date",
    response_model=UserUsage,
    responses=error_responses(404),
    summary="Set when a monthly allowance next renews (admins)",
    description="A date in the future (422 otherwise); the allowance still renews at each "
    "UTC month's start. The caller's own, or another account's with user_id.",
)
async def set_allowance_reset_date(
    body: ResetDateUpdate, principal: AdminPrincipal, request: Request, user_id: UserId = None
) -> UserUsage:
    return service.set_reset_date(
        principal, body.reset_at(), user_id=user_id, ip=client_ip(request)
    )


@router.post(
    "/users/me/reset-allowance",
    response_model=UserUsage,
    responses=error_responses(404),
    summary="Renew a monthly allowance now: this month's spend so far stops counting (admins)",
)
async def reset_allowance(
    principal: AdminPrincipal, request: Request, user_id: UserId = None
) -> UserUsage:
    return service.reset_allowance(principal, user_id=user_id, ip=client_ip(request))


_METADATA_CAP = error_responses(413)
_METADATA_CAP[413]["description"] = (
    f"The metadata is over {MAX_USAGE_METADATA_BYTES} bytes as JSON, or the body over the body cap"
)


@router.post(
    "/users/me/usage",
    response_model=UserUsage,
    responses=_METADATA_CAP,
    summary="Report a call made elsewhere with its cost: it counts against the caller's "
    "allowance and the team's budget",
    description="Recorded in the cost ledger as provider `client`, model `reported`.",
)
async def report_usage(body: UsageReport, principal: CurrentPrincipal) -> UserUsage:
    return service.record_usage(principal, body.response_cost, body.metadata)


app = create_app("costs", router)
