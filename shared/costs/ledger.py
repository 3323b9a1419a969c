"""The cost ledger: every LLM call, and the rollups that answer summaries without a Scan.

`record_call` writes the call and adds it to each of its rollups in ONE TransactWriteItems
(one Put and six to eight UpdateItem ``ADD``s), so the ledger and the rollups never
disagree and concurrent instances never lose a count. Budget alerts are not part of it:
the caller runs ``shared.costs.alerts.alerts_after`` once the call is recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from shared.costs.models import (
    RETENTION_DAYS,
    TOTAL_KEY,
    CallItem,
    RollupItem,
    call_key,
    day_key,
    ledger_partition,
    micros_to_usd,
    month_key,
    month_of,
    rollup_key,
    user_month_key,
)
from shared.db.base import team_partition
from shared.db.transactions import transact
from shared.ids import new_id, utcnow

RETENTION = timedelta(days=RETENTION_DAYS)


def cost_micros(
    tokens_in: int | None,
    tokens_out: int | None,
    input_price_per_million: float,
    output_price_per_million: float,
) -> int:
    """Tokens x USD per million tokens is micro-dollars; rounded half up to a whole one.
    Tokens not counted (None) cost nothing."""
    exact = Decimal(tokens_in or 0) * Decimal(str(input_price_per_million)) + Decimal(
        tokens_out or 0
    ) * Decimal(str(output_price_per_million))
    return int(exact.to_integral_value(ROUND_HALF_UP))


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRecord:
    """One LLM call as the router saw it; `at` is normalised to UTC."""

    team_id: str
    user_id: str
    provider: str
    model: str
    # None: not counted (the template generator tokenizes nothing); never estimated.
    tokens_in: int | None
    tokens_out: int | None
    input_price_per_million: float = 0.0
    output_price_per_million: float = 0.0
    agent_id: str | None = None
    job_id: str | None = None
    at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        if not all((self.team_id, self.user_id, self.provider, self.model)):
            raise ValueError("team_id, user_id, provider and model are required")
        if "#" in self.user_id:  # the user's monthly rollup key is USERMONTH#<user>#<month>
            raise ValueError("user_id must not contain '#'")
        if any(count is not None and count < 0 for count in (self.tokens_in, self.tokens_out)):
            raise ValueError("token counts cannot be negative")
        prices = (self.input_price_per_million, self.output_price_per_million)
        if not all(math.isfinite(price) and price >= 0 for price in prices):
            raise ValueError("prices must be finite and not negative")
        if self.at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        object.__setattr__(self, "at", self.at.astimezone(UTC))

    @property
    def cost_micros(self) -> int:
        return cost_micros(
            self.tokens_in,
            self.tokens_out,
            self.input_price_per_million,
            self.output_price_per_million,
        )

    @property
    def cost_usd(self) -> float:
        return micros_to_usd(self.cost_micros)


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


def _ledger_item(record: CallRecord, call_id: str, cost: int) -> CallItem:
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
        expires_at=record.at + RETENTION,
    )


def record_call(record: CallRecord, *, call_id: str | None = None) -> str:
    """Store the call and add it to its rollups, all or nothing. Answers the call's id.

    `call_id` is an idempotency key: a call already recorded under it is not counted again
    (a worker that retries after recording loses nothing and double-counts nothing).
    """
    call_id = call_id or new_id()
    cost = record.cost_micros
    partition = team_partition(record.team_id)
    ledger = _ledger_item(record, call_id, cost)

    def write(transaction: TransactWrite) -> None:
        transaction.save(ledger, condition=CallItem.sk.does_not_exist())
        for piece in _slices(record):
            transaction.update(
                RollupItem(partition, piece.key),
                actions=_add_actions(record, cost, piece),
                add_version_condition=False,
            )

    # The only condition is the ledger Put's: a call already recorded under this id.
    transact(write, what="cost ledger")
    return call_id
