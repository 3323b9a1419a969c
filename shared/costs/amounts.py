"""Money as the costs area counts it, and the amounts a budget and the team settings
share: USD limits and alert percents.

Money is kept in integer micro-dollars (rollups grow by atomic ``ADD`` from many Lambda
instances at once, and integers add up exactly where binary floats would drift); APIs
speak USD.

One definition for both, so the budget's API and the settings that are the budget's
values (`daily_cost_limit`, `budget_alert_thresholds`) cannot drift apart. API bodies
take JSON numbers only (`Usd`, `Percent`: `false` is not 0, nor "10" 10); the team
settings also take numbers written as strings ("10.00"), which seed 001 sends, so they
use the `Setting...` forms with the same ranges.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import Field

from shared.numbers import JSON_NUMBER

MICROS_PER_USD = 1_000_000
# Percents of a limit at which `budget.threshold_crossed` is published, for a team that
# never chose its own.
DEFAULT_THRESHOLDS = (50, 80, 100)
MAX_LIMIT_USD = 1_000_000_000
MAX_THRESHOLDS = 10

# Flat Annotated forms (not nested): pydantic writes nested constraints into the schema as
# `ge`/`le` instead of minimum/maximum.
SettingUsd = Annotated[float, Field(ge=0, le=MAX_LIMIT_USD, allow_inf_nan=False)]
SettingPercent = Annotated[int, Field(ge=1, le=100)]
Usd = Annotated[float, Field(ge=0, le=MAX_LIMIT_USD, allow_inf_nan=False), JSON_NUMBER]
Percent = Annotated[int, Field(ge=1, le=100), JSON_NUMBER]


def default_thresholds() -> list[int]:
    """A fresh list of the default thresholds (a field's default factory)."""
    return list(DEFAULT_THRESHOLDS)


def sorted_thresholds(thresholds: list[int]) -> list[int]:
    """Thresholds ascending, each once: the form every budget holds them in."""
    return sorted(set(thresholds))


def usd_to_micros(usd: float) -> int:
    return int(Decimal(str(usd)).scaleb(6).to_integral_value(ROUND_HALF_UP))


def micros_to_usd(micros: int) -> float:
    return round(micros / MICROS_PER_USD, 6)


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
