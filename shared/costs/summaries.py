"""Cost summaries, read from the rollups `record_call` keeps (`shared.costs.summary_store`):
each is one BatchGetItem or one Query on the team's partition, never a Scan, so what a
summary costs does not grow with the ledger.

Breakdowns (`by_agent`, `by_job`, `by_provider`, `by_model`) are ordered by their key,
that is by name, ascending: DynamoDB pages in key order, and re-sorting one page by cost
would suggest an order the next page breaks. Callers that want the costliest first sort
what they show.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.costs import allowances, summary_store
from shared.costs.amounts import micros_to_usd
from shared.costs.models import month_of
from shared.costs.rollups import Rollup
from shared.costs.summary_store import Kind
from shared.errors import BadRequest
from shared.ids import utcnow
from shared.pagination import PageParams

MAX_DAILY_DAYS = 365
# Tokens the models counted; null when calls were made but none counted any (the template
# generator tokenizes nothing, and its answers are never estimated in tokens).
Tokens = Annotated[
    int | None,
    Field(description="tokens the models counted; null: not counted (template answers)"),
]


class CostSummary(BaseModel):
    model_config = ConfigDict(defer_build=True)

    total_cost_usd: float
    total_calls: int
    total_tokens_in: Tokens
    total_tokens_out: Tokens
    avg_cost_per_call: float
    month: str  # yyyy-mm, UTC
    month_cost_usd: float
    month_calls: int
    today: date  # UTC
    today_cost_usd: float
    today_calls: int


class CostLine(BaseModel):
    """The totals of one provider, model, agent or job."""

    model_config = ConfigDict(defer_build=True)

    name: str
    cost_usd: float
    calls: int
    tokens_in: Tokens
    tokens_out: Tokens
    last_call_at: datetime | None


class DailyCost(BaseModel):
    model_config = ConfigDict(defer_build=True)

    date: date
    cost_usd: float
    calls: int
    tokens_in: Tokens
    tokens_out: Tokens


class UserUsage(BaseModel):
    model_config = ConfigDict(defer_build=True)

    user_id: str
    month: str
    spent_usd: float
    calls: int
    monthly_allowance: float | None  # USD; None: unlimited
    remaining_usd: float | None  # never below 0; None: unlimited
    period_spent_usd: float = Field(
        description="what counts against the allowance: this month's spend since its last "
        "reset (spent_usd when it was not reset this month)"
    )
    allowance_reset_at: datetime = Field(
        description="when the allowance next renews: the next UTC month's start, or an "
        "explicit reset date before it"
    )


def _today(now: datetime | None) -> date:
    return (now or utcnow()).astimezone(UTC).date()


def _counts(rollup: Rollup | None) -> tuple[int, int, int | None, int | None]:
    """(cost micros, calls, tokens in, tokens out); zeros for a slice with no calls yet,
    None tokens for one whose calls counted none."""
    if rollup is None:
        return 0, 0, 0, 0
    return rollup.cost_micros, rollup.calls, rollup.tokens_in, rollup.tokens_out


def summary(team_id: str, now: datetime | None = None) -> CostSummary:
    """All-time totals, this month's and today's: one BatchGetItem of three rollups."""
    day = _today(now)
    total, this_month, today = summary_store.totals(team_id, day)
    cost, calls, tokens_in, tokens_out = _counts(total)
    month_cost, month_calls, _, _ = _counts(this_month)
    day_cost, day_calls, _, _ = _counts(today)
    return CostSummary(
        total_cost_usd=micros_to_usd(cost),
        total_calls=calls,
        total_tokens_in=tokens_in,
        total_tokens_out=tokens_out,
        avg_cost_per_call=micros_to_usd(round(cost / calls)) if calls else 0.0,
        month=month_of(day),
        month_cost_usd=micros_to_usd(month_cost),
        month_calls=month_calls,
        today=day,
        today_cost_usd=micros_to_usd(day_cost),
        today_calls=day_calls,
    )


def _line(rollup: Rollup) -> CostLine:
    return CostLine(
        name=rollup.label,
        cost_usd=micros_to_usd(rollup.cost_micros),
        calls=rollup.calls,
        tokens_in=rollup.tokens_in,
        tokens_out=rollup.tokens_out,
        last_call_at=rollup.updated_at,
    )


def _breakdown(
    team_id: str, kind: Kind, params: PageParams
) -> tuple[list[CostLine], int, str | None]:
    rollups, total, cursor = summary_store.breakdown_page(team_id, kind, params)
    return [_line(rollup) for rollup in rollups], total, cursor


def lines(team_id: str, kind: Kind, limit: int) -> list[CostLine]:
    """Up to `limit` lines of one breakdown, in name order: one Query (paged by PynamoDB
    past 1 MB), and no count, for a caller that shows a selection rather than a page."""
    return [_line(rollup) for rollup in summary_store.breakdown(team_id, kind, limit)]


def recent_jobs(team_id: str, count: int) -> list[CostLine]:
    """The lines of the team's `count` newest jobs (job ids sort by time), newest first:
    one Query reading at most `count` items."""
    rollups = summary_store.breakdown(team_id, "JOB", count, last_first=True)
    return [_line(rollup) for rollup in rollups]


def by_agent(team_id: str, params: PageParams) -> tuple[list[CostLine], int, str | None]:
    return _breakdown(team_id, "AGENT", params)


def by_job(team_id: str, params: PageParams) -> tuple[list[CostLine], int, str | None]:
    """Named by job id: the route maps ids to slugs if it shows slugs."""
    return _breakdown(team_id, "JOB", params)


def by_provider(team_id: str, params: PageParams) -> tuple[list[CostLine], int, str | None]:
    return _breakdown(team_id, "PROVIDER", params)


def by_model(team_id: str, params: PageParams) -> tuple[list[CostLine], int, str | None]:
    return _breakdown(team_id, "MODEL", params)


def daily(team_id: str, days: int, now: datetime | None = None) -> list[DailyCost]:
    """One entry per UTC day for the last `days` days (today included), oldest first.

    One Query, `sk BETWEEN ROLLUP#DAY#<first> AND ROLLUP#DAY#<last>`: it reads at most
    `days` items, one per day that had calls; days without calls are zeros.
    """
    if not 1 <= days <= MAX_DAILY_DAYS:
        raise BadRequest(f"days must be between 1 and {MAX_DAILY_DAYS}")
    last = _today(now)
    dates = [last - timedelta(days=back) for back in range(days - 1, -1, -1)]
    found = summary_store.days(team_id, dates[0], last)
    entries = []
    for day in dates:
        cost, calls, tokens_in, tokens_out = _counts(found.get(day))
        entries.append(
            DailyCost(
                date=day,
                cost_usd=micros_to_usd(cost),
                calls=calls,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
            )
        )
    return entries


def user_usage(team_id: str, user_id: str, now: datetime | None = None) -> UserUsage:
    """A user's spend this month and what remains of their allowance: one BatchGetItem."""
    moment = (now or utcnow()).astimezone(UTC)
    day = moment.date()
    rollup, state = summary_store.user_month(team_id, user_id, day)
    spent, calls, _, _ = _counts(rollup)
    counted = allowances.period_spent(state, spent, moment)
    limit = state.allowance_micros
    return UserUsage(
        user_id=user_id,
        month=month_of(day),
        spent_usd=micros_to_usd(spent),
        calls=calls,
        monthly_allowance=None if limit is None else micros_to_usd(limit),
        remaining_usd=None if limit is None else micros_to_usd(max(0, limit - counted)),
        period_spent_usd=micros_to_usd(counted),
        allowance_reset_at=allowances.next_reset(state, moment),
    )
