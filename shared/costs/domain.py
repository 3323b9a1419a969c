"""What the budget store hands out: a team's budget and a user's allowance, in USD.

Amounts are US dollars (None: unlimited); the store keeps integer micro-dollars. The
ledger's call is `shared.costs.calls.CallRecord`, and what the rollups answer is in
`shared.costs.rollups`: modules of their own, since every data group imports this one
and most never record or read a call (each frozen dataclass costs about 1.5 ms at import).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.costs.amounts import default_thresholds


class Budget(BaseModel):
    """The team's limits and alert thresholds (percents, ascending)."""

    model_config = ConfigDict(defer_build=True)

    monthly_limit: float | None = None
    daily_limit: float | None = None
    alert_thresholds: list[int] = Field(default_factory=default_thresholds)
    updated_at: datetime | None = None
    # The stored item's version, which a write is conditioned on (None: never stored).
    # Not part of any answer.
    version: int | None = Field(default=None, exclude=True)


class Allowance(BaseModel):
    model_config = ConfigDict(defer_build=True)

    user_id: str
    monthly_allowance: float | None = None
    # An explicit next reset (shared.costs.allowances); None: the next UTC month's start.
    reset_at: datetime | None = None
    updated_at: datetime | None = None
