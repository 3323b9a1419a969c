"""Cost summaries, read from the rollups `record_call` keeps: each is one GetItem, one
BatchGetItem or one Query on the team's partition, never a Scan, so what a summary costs
does not grow with the ledger.

Breakdowns (`by_agent`, `by_job`, `by_provider`, `by_model`) are ordered by their key,
that is by name, ascending: DynamoDB pages in key order, and re-sorting one page by cost
would suggest an order the next page breaks. Callers that want the costliest first sort
what they show.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.costs.models import (
    TOTAL_KEY,
    AllowanceItem,
    RollupItem,
    allowance_key,
    day_key,
    load_many,
    micros_to_usd,
    month_key,
    month_of,
    rollup_prefix,
    user_month_key,
)
from shared.db.base import storage_errors, team_partition
from shared.db.query import query_page
from shared.errors import BadRequest
from shared.ids import utcnow
from shared.pagination import PageParams, decode_cursor

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


def _today(now: datetime | None) -> date:
    return (now or utcnow()).astimezone(UTC).date()


def _tokens(count: float | None) -> int | None:
    return None if count is None else int(count)


def _counts(item: RollupItem | None) -> tuple[int, int, int | None, int | None]:
    """(cost micros, calls, tokens in, tokens out); zeros for a slice with no calls yet,
    None tokens for one whose calls counted none."""
    if item is None:
        return 0, 0, 0, 0
    return (
        int(item.cost_micros),
        int(item.calls),
        _tokens(item.tokens_in),
        _tokens(item.tokens_out),
    )


def summary(team_id: str, now: datetime | None = None) -> CostSummary:
    """All-time totals, this month's and today's: one BatchGetItem of three rollups."""
    day = _today(now)
    items = load_many(team_id, [TOTAL_KEY, month_key(day), day_key(day)])
    cost, calls, tokens_in, tokens_out = _counts(items.get(TOTAL_KEY))
    month_cost, month_calls, _, _ = _counts(items.get(month_key(day)))
    day_cost, day_calls, _, _ = _counts(items.get(day_key(day)))
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


def _line(item: RollupItem) -> CostLine:
    cost, calls, tokens_in, tokens_out = _counts(item)
    return CostLine(
        name=item.label,
        cost_usd=micros_to_usd(cost),
        calls=calls,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        last_call_at=item.updated_at,
    )


def _breakdown(
    team_id: str, kind: str, params: PageParams
) -> tuple[list[CostLine], int, str | None]:
    prefix = rollup_prefix(kind)
    # A cursor from another breakdown would start the Query outside its key range.
    if params.cursor is not None and not decode_cursor(params.cursor).get("sk", "").startswith(
        prefix
    ):
        raise BadRequest("Invalid cursor")
    items, total, cursor = query_page(
        RollupItem,
        team_partition(team_id),
        params,
        range_key_condition=RollupItem.sk.startswith(prefix),
        newest_first=False,
    )
    return [_line(item) for item in items], total, cursor


def lines(team_id: str, kind: str, limit: int) -> list[CostLine]:
    """Up to `limit` lines of one breakdown, in name order: one Query (paged by PynamoDB
    past 1 MB), and no count, for a caller that shows a selection rather than a page."""
    with storage_errors("cost"):
        items = RollupItem.query(
            team_partition(team_id), RollupItem.sk.startswith(rollup_prefix(kind)), limit=limit
        )
        return [_line(item) for item in items]


def recent_jobs(team_id: str, count: int) -> list[CostLine]:
    """The lines of the team's `count` newest jobs (job ids sort by time), newest first:
    one Query reading at most `count` items."""
    with storage_errors("cost"):
        items = RollupItem.query(
            team_partition(team_id),
            RollupItem.sk.startswith(rollup_prefix("JOB")),
            scan_index_forward=False,
            limit=count,
        )
        return [_line(item) for item in items]


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
    with storage_errors("cost"):
        found = {
            item.sk: item
            for item in RollupItem.query(
                team_partition(team_id),
                RollupItem.sk.between(day_key(dates[0]), day_key(last)),
                limit=days,
            )
        }
    entries = []
    for day in dates:
        cost, calls, tokens_in, tokens_out = _counts(found.get(day_key(day)))
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
    day = _today(now)
    spent_key, limit_key = user_month_key(user_id, day), allowance_key(user_id)
    items = load_many(team_id, [spent_key, limit_key])
    spent, calls, _, _ = _counts(items.get(spent_key))
    allowance: AllowanceItem | None = items.get(limit_key)
    limit = None if allowance is None else allowance.monthly_allowance_micros
    return UserUsage(
        user_id=user_id,
        month=month_of(day),
        spent_usd=micros_to_usd(spent),
        calls=calls,
        monthly_allowance=None if limit is None else micros_to_usd(int(limit)),
        remaining_usd=None if limit is None else micros_to_usd(max(0, int(limit) - spent)),
    )
