"""A call as the cost ledger records it: who made it, which provider and model answered,
the tokens it counted and their prices.

A module of its own, loaded by what records calls (the router, the ledger): the data
groups import the budget's domain objects without paying for this one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.costs.amounts import cost_micros, micros_to_usd
from shared.ids import utcnow


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
    # A call made elsewhere and reported with its cost (POST /users/me/usage): that cost,
    # not one priced from tokens, and what the client said of it.
    reported_cost_micros: int | None = None
    metadata: dict[str, Any] | None = None

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
        if self.reported_cost_micros is not None and self.reported_cost_micros < 0:
            raise ValueError("a reported cost cannot be negative")
        if self.at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        object.__setattr__(self, "at", self.at.astimezone(UTC))

    @property
    def cost_micros(self) -> int:
        if self.reported_cost_micros is not None:
            return self.reported_cost_micros
        return cost_micros(
            self.tokens_in,
            self.tokens_out,
            self.input_price_per_million,
            self.output_price_per_million,
        )

    @property
    def cost_usd(self) -> float:
        return micros_to_usd(self.cost_micros)
