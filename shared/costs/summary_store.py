"""The rollups the cost pages read, as `Rollup`s: by key in one BatchGetItem, or one Query
on the team's partition (never a Scan), so what a page costs does not grow with the ledger.

    costs table:  pk = TEAM#<team>  sk = ROLLUP#<KIND>#<label>...   (models.py)

A breakdown (`kind`: AGENT, JOB, PROVIDER, MODEL) is read in key order, that is by name.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from shared.costs import budget_store
from shared.costs.models import (
    TOTAL_KEY,
    AllowanceItem,
    CallItem,
    RollupItem,
    allowance_key,
    call_key,
    day_key,
    ledger_partition,
    load_many,
    month_key,
    rollup_prefix,
    user_month_key,
)
from shared.costs.rollups import AllowanceState, LedgerCall, Rollup
from shared.db.base import storage_errors, team_partition
from shared.db.query import query_page
from shared.errors import BadRequest
from shared.pagination import PageParams, decode_cursor

type Kind = Literal["AGENT", "JOB", "PROVIDER", "MODEL"]


def _tokens(count: float | None) -> int | None:
    return None if count is None else int(count)


def _rollup(item: RollupItem) -> Rollup:
    return Rollup(
        label=item.label,
        cost_micros=int(item.cost_micros),
        calls=int(item.calls),
        tokens_in=_tokens(item.tokens_in),
        tokens_out=_tokens(item.tokens_out),
        updated_at=item.updated_at,
    )


def _found(item: RollupItem | None) -> Rollup | None:
    return None if item is None else _rollup(item)


def totals(team_id: str, day: date) -> tuple[Rollup | None, Rollup | None, Rollup | None]:
    """All-time, `day`'s month and `day` (None where no call was made): one BatchGetItem."""
    items = load_many(team_id, [TOTAL_KEY, month_key(day), day_key(day)])
    return (
        _found(items.get(TOTAL_KEY)),
        _found(items.get(month_key(day))),
        _found(items.get(day_key(day))),
    )


def breakdown_page(
    team_id: str, kind: Kind, params: PageParams
) -> tuple[list[Rollup], int, str | None]:
    """One page of a breakdown with its count: (rollups, total, next cursor)."""
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
    return [_rollup(item) for item in items], total, cursor


def breakdown(team_id: str, kind: Kind, limit: int, *, last_first: bool = False) -> list[Rollup]:
    """Up to `limit` rollups of a breakdown, in name order (`last_first`: from the last
    name): one Query (paged by PynamoDB past 1 MB), and no count."""
    with storage_errors("cost"):
        items = RollupItem.query(
            team_partition(team_id),
            RollupItem.sk.startswith(rollup_prefix(kind)),
            scan_index_forward=not last_first,
            limit=limit,
        )
        return [_rollup(item) for item in items]


def days(team_id: str, first: date, last: date) -> dict[date, Rollup]:
    """The day rollups from `first` to `last` (both included), by day; days without calls
    are absent. One Query, `sk BETWEEN ROLLUP#DAY#<first> AND ROLLUP#DAY#<last>`: it reads
    at most one item per day."""
    wanted = (last - first).days + 1
    with storage_errors("cost"):
        found = {
            item.sk: item
            for item in RollupItem.query(
                team_partition(team_id),
                RollupItem.sk.between(day_key(first), day_key(last)),
                limit=wanted,
            )
        }
    dates = [first + timedelta(days=n) for n in range(wanted)]
    return {day: _rollup(found[day_key(day)]) for day in dates if day_key(day) in found}


def user_month(team_id: str, user_id: str, day: date) -> tuple[Rollup | None, AllowanceState]:
    """The user's rollup of `day`'s month and their allowance's period (its allowance in
    micro-dollars, None: unlimited): one BatchGetItem."""
    spent_key, limit_key = user_month_key(user_id, day), allowance_key(user_id)
    items = load_many(team_id, [spent_key, limit_key])
    allowance: AllowanceItem | None = items.get(limit_key)
    return _found(items.get(spent_key)), budget_store.allowance_state(allowance)


def _count(value: float | None) -> int | None:
    return None if value is None else int(value)


def recent_agent_calls(team_id: str, limit: int) -> list[LedgerCall]:
    """The team's newest `limit` calls that an agent made, newest first: one Query of the
    ledger's partition backwards (ids sort by time), filtered to calls with an agent. Most
    of a team's calls are agents' (phases, tests, tasks, code agents), so the filter
    discards few; PynamoDB reads on until `limit` are found or the ledger ends."""
    with storage_errors("cost"):
        items = CallItem.query(
            ledger_partition(team_id),
            CallItem.sk.startswith(call_key("")),
            filter_condition=CallItem.agent_id.exists(),
            scan_index_forward=False,
            limit=limit,
            page_size=limit,
        )
        return [
            LedgerCall(
                call_id=item.sk.removeprefix(call_key("")),
                at=item.at,
                user_id=item.user_id,
                agent_id=item.agent_id,
                job_id=item.job_id,
                provider=item.provider,
                model=item.model,
                tokens_in=_count(item.tokens_in),
                tokens_out=_count(item.tokens_out),
                cost_micros=int(item.cost_micros),
            )
            for item in items
        ]
