"""How costs are stored: items in the costs table, every key under its team.

    pk = TEAM#<team>   sk = CALL#<call id>                   one LLM call (the ledger; TTL)
                       sk = ROLLUP#TOTAL                     running totals of every call
                       sk = ROLLUP#DAY#<yyyy-mm-dd>          ... of one UTC day (TTL)
                       sk = ROLLUP#MONTH#<yyyy-mm>           ... of one UTC month
                       sk = ROLLUP#PROVIDER#<provider>       ... of one provider
                       sk = ROLLUP#MODEL#<model>             ... of one model
                       sk = ROLLUP#AGENT#<agent id>          ... of one agent
                       sk = ROLLUP#JOB#<job id>              ... of one job
                       sk = ROLLUP#USERMONTH#<user>#<yyyy-mm>  ... of one user in one month (TTL)
                       sk = BUDGET                           the team's limits and thresholds
                       sk = ALLOWANCE#<user id>              a user's monthly allowance

Money is stored as integer micro-dollars (`shared.costs.amounts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import TeamItem, table_meta, team_partition
from shared.db.batch import ItemKey, get_many

ROLLUP = "ROLLUP#"
TOTAL_KEY = "ROLLUP#TOTAL"
BUDGET = "BUDGET"
# Day rollups answer `daily` (at most 365 days back); the ledger is kept a little longer.
RETENTION_DAYS = 400


def ledger_partition(team_id: str) -> str:
    """The team's ledger has a partition of its own (still under the team): a Query over
    the rollups, budgets and allowances never walks past call items, however many there
    are, and writes of calls do not crowd the partition every page reads."""
    return f"{team_partition(team_id)}#LEDGER"


def call_key(call_id: str) -> str:
    return f"CALL#{call_id}"


def rollup_key(kind: str, *labels: str) -> str:
    """`ROLLUP#<KIND>#<label>...`: the running totals of one slice of the ledger."""
    return "#".join(("ROLLUP", kind, *labels))


def rollup_prefix(kind: str) -> str:
    """What every rollup key of `kind` begins with (for a Query on the team partition)."""
    return rollup_key(kind, "")


def day_key(day: date) -> str:
    return rollup_key("DAY", day.isoformat())


def month_key(day: date) -> str:
    return rollup_key("MONTH", month_of(day))


def user_month_key(user_id: str, day: date) -> str:
    return rollup_key("USERMONTH", user_id, month_of(day))


def allowance_key(user_id: str) -> str:
    return f"ALLOWANCE#{user_id}"


def month_of(day: date) -> str:
    return day.strftime("%Y-%m")


class CallItem(TeamItem):
    """One LLM call, as the router recorded it; expires after RETENTION_DAYS."""

    Meta = table_meta("costs")

    user_id = UnicodeAttribute()
    agent_id = UnicodeAttribute(null=True)
    job_id = UnicodeAttribute(null=True)
    provider = UnicodeAttribute()
    model = UnicodeAttribute()
    # Absent when not counted (the template generator tokenizes nothing).
    tokens_in = NumberAttribute(null=True)
    tokens_out = NumberAttribute(null=True)
    input_price_per_million = NumberAttribute()
    output_price_per_million = NumberAttribute()
    cost_micros = NumberAttribute()
    at = UTCDateTimeAttribute()
    # A usage a client reported (POST /users/me/usage): what it said of its call.
    metadata = JSONAttribute(null=True)


class RollupItem(TeamItem):
    """Running totals of one slice of the ledger, changed only by ``ADD`` (so its version
    stays 1: nothing ever reads, changes and writes one back). ``updated_at`` is the time
    of its latest call; ``created_at`` is not kept."""

    Meta = table_meta("costs")

    label = UnicodeAttribute()  # the provider, model, agent, job, user, day or month counted
    calls = NumberAttribute(default=0)
    # Tokens the slice's calls counted; absent while none counted any.
    tokens_in = NumberAttribute(null=True)
    tokens_out = NumberAttribute(null=True)
    cost_micros = NumberAttribute(default=0)
    # Budget alert thresholds (percent) already announced for this day or month.
    alerts_fired = NumberSetAttribute(null=True)


class BudgetItem(TeamItem):
    Meta = table_meta("costs")

    monthly_limit_micros = NumberAttribute(null=True)  # None: unlimited
    daily_limit_micros = NumberAttribute(null=True)
    alert_thresholds = NumberSetAttribute(null=True)  # percents; None: no alerts


class AllowanceItem(TeamItem):
    Meta = table_meta("costs")

    user_id = UnicodeAttribute()
    monthly_allowance_micros = NumberAttribute(null=True)  # None: unlimited
    # What a reset (or a remaining amount set) took off the user's spend of `offset_month`
    # (shared.costs.allowances); negative when a remaining amount set was below the rest.
    usage_offset_micros = NumberAttribute(null=True)
    offset_month = UnicodeAttribute(null=True)
    # An explicit next reset, before the next UTC month's start (None: that start).
    reset_at = UTCDateTimeAttribute(null=True)


def _model_for(sort_key: str) -> type[TeamItem]:
    if sort_key.startswith(ROLLUP):
        return RollupItem
    if sort_key == BUDGET:
        return BudgetItem
    if sort_key.startswith("ALLOWANCE#"):
        return AllowanceItem
    raise ValueError(f"no cost item is stored under {sort_key!r}")


def load_many(team_id: str, sort_keys: Sequence[str]) -> dict[str, Any]:
    """The team's items under `sort_keys` (distinct), by sort key, in one BatchGetItem.

    Strongly consistent: budget checks and alerts must see the calls just recorded. Keys
    with no item are absent from the answer. Each value is a RollupItem, BudgetItem or
    AllowanceItem, as its key says.
    """
    found = get_many(cost_keys(team_id, sort_keys))
    return {key[2]: item for key, item in found.items()}


def cost_keys(team_id: str, sort_keys: Sequence[str]) -> list[ItemKey]:
    """The batch-read keys of the team's cost items under `sort_keys`."""
    partition = team_partition(team_id)
    return [(_model_for(key), partition, key) for key in sort_keys]
