"""The ledger's storage: a call item and the `ADD`s on every rollup the call counts in.

    costs table:  pk = TEAM#<team>#LEDGER  sk = CALL#<call id>    the call (TTL)
                  pk = TEAM#<team>         sk = ROLLUP#...        its rollups (models.py)

`add_call` puts a call's writes into a transaction the caller runs, so that they can be one
TransactWriteItems with whatever else the caller writes; `save_call` runs them alone. The
rollups are what summaries, budget checks and alerts read instead of the calls (never a
Scan), so every write of a call adds to each in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import NamedTuple

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from shared.costs.calls import CallRecord
from shared.costs.models import (
    RETENTION_DAYS,
    TOTAL_KEY,
    CallItem,
    RollupItem,
    call_key,
    day_key,
    ledger_partition,
    month_key,
    month_of,
    rollup_key,
    user_month_key,
)
from shared.db.base import team_partition
from shared.db.transactions import transact

RETENTION = timedelta(days=RETENTION_DAYS)


class _Slice(NamedTuple):
    key: str
    label: str
    expires_at: datetime | None


def _expiry(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + RETENTION


def _slices(record: CallRecord) -> list[_Slice]:
    """Every rollup the call adds to. TOTAL, MONTH and the per-label ones never expire."""
    day = record.at.date()
    slices = [
        _Slice(TOTAL_KEY, "total", None),
        _Slice(day_key(day), day.isoformat(), _expiry(day)),
        _Slice(month_key(day), month_of(day), None),
        _Slice(rollup_key("PROVIDER", record.provider), record.provider, None),
        _Slice(rollup_key("MODEL", record.model), record.model, None),
        _Slice(user_month_key(record.user_id, day), record.user_id, _expiry(day)),
    ]
    if record.agent_id:
        slices.append(_Slice(rollup_key("AGENT", record.agent_id), record.agent_id, None))
    if record.job_id:
        slices.append(_Slice(rollup_key("JOB", record.job_id), record.job_id, None))
    return slices


def _add_actions(record: CallRecord, cost: int, piece: _Slice) -> list[Action]:
    # The first ADD creates the rollup; the SETs make it readable without parsing its key.
    actions: list[Action] = [
        RollupItem.calls.add(1),
        RollupItem.cost_micros.add(cost),
        RollupItem.team_id.set(record.team_id),
        RollupItem.label.set(piece.label),
        RollupItem.updated_at.set(record.at),
    ]
    # Tokens only when counted: a slice none of whose calls counted any has none (null).
    if record.tokens_in is not None:
        actions.append(RollupItem.tokens_in.add(record.tokens_in))
    if record.tokens_out is not None:
        actions.append(RollupItem.tokens_out.add(record.tokens_out))
    if piece.expires_at is not None:
        actions.append(RollupItem.expires_at.set(piece.expires_at))
    return actions


def _call_item(record: CallRecord, call_id: str, cost: int) -> CallItem:
    return CallItem(
        ledger_partition(record.team_id),
        call_key(call_id),
        team_id=record.team_id,
        user_id=record.user_id,
        agent_id=record.agent_id,
        job_id=record.job_id,
        provider=record.provider,
        model=record.model,
        tokens_in=record.tokens_in,
        tokens_out=record.tokens_out,
        input_price_per_million=record.input_price_per_million,
        output_price_per_million=record.output_price_per_million,
        cost_micros=cost,
        at=record.at,
        metadata=record.metadata,
        expires_at=record.at + RETENTION,
    )


def add_call(transaction: TransactWrite, record: CallRecord, call_id: str) -> None:
    """Add the call's Put (only if no call is stored under `call_id`) and one `ADD` per
    rollup to `transaction`: one Put and six to eight UpdateItems. Built afresh per call,
    as `transact` asks of what it retries."""
    cost = record.cost_micros  # Decimal arithmetic: priced once for every item
    partition = team_partition(record.team_id)
    transaction.save(_call_item(record, call_id, cost), condition=CallItem.sk.does_not_exist())
    for piece in _slices(record):
        transaction.update(
            RollupItem(partition, piece.key),
            actions=_add_actions(record, cost, piece),
            add_version_condition=False,
        )


def save_call(record: CallRecord, call_id: str) -> bool:
    """Store the call and add it to its rollups in one TransactWriteItems, all or nothing.
    False when a call was already stored under `call_id` (nothing was written)."""
    # The only condition is the call's Put: a call already recorded under this id.
    return not transact(partial(add_call, record=record, call_id=call_id), what="cost ledger")
