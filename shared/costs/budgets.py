"""Budgets (per team) and allowances (per user): limits, the check before an LLM call, and
the alerts after one.

The router's order: `check_budget` before a call (one BatchGetItem; `BudgetExceeded`, 402,
when a limit would be exceeded), `record_call` after it, then `alerts_after`, which
announces each threshold a day or month has crossed, once. Alerts are kept out of
`record_call` so recording stays one transaction and a slow bus never delays it.

Amounts are US dollars in and out (`None`: unlimited), integer micro-dollars inside.
Days and months are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pynamodb.exceptions import UpdateError

from shared.costs.models import (
    BUDGET,
    AllowanceItem,
    BudgetItem,
    RollupItem,
    allowance_key,
    day_key,
    load_many,
    micros_to_usd,
    month_key,
    month_of,
    usd_to_micros,
    user_month_key,
)
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.errors import BudgetExceeded, ServiceUnavailable
from shared.events import publish
from shared.ids import utcnow

DEFAULT_THRESHOLDS = (50, 80, 100)
MAX_LIMIT_USD = 1_000_000_000
THRESHOLD_CROSSED = "budget.threshold_crossed"

Usd = Annotated[float, Field(ge=0, le=MAX_LIMIT_USD, allow_inf_nan=False)]
Percent = Annotated[int, Field(ge=1, le=100)]


class BudgetUpdate(BaseModel):
    """PUT /costs/budget: replaces the team's budget; a limit left out is unlimited."""

    model_config = ConfigDict(extra="forbid")

    monthly_limit: Usd | None = Field(default=None, description="USD per UTC month")
    daily_limit: Usd | None = Field(default=None, description="USD per UTC day")
    alert_thresholds: list[Percent] = Field(
        default_factory=lambda: list(DEFAULT_THRESHOLDS),
        max_length=10,
        description="Percents of a limit at which budget.threshold_crossed is published",
    )

    @field_validator("alert_thresholds")
    @classmethod
    def _sorted_unique(cls, thresholds: list[int]) -> list[int]:
        return sorted(set(thresholds))


class Budget(BaseModel):
    model_config = ConfigDict(defer_build=True)

    monthly_limit: float | None
    daily_limit: float | None
    alert_thresholds: list[int]
    updated_at: datetime | None = None


class AllowanceUpdate(BaseModel):
    """PUT /users/me/monthly-allowance."""

    model_config = ConfigDict(extra="forbid")

    monthly_allowance: Usd | None = Field(default=None, description="USD per UTC month")


class Allowance(BaseModel):
    model_config = ConfigDict(defer_build=True)

    user_id: str
    monthly_allowance: float | None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Headroom:
    """What each limit leaves before the call, in micro-dollars; None: unlimited."""

    daily_micros: int | None
    monthly_micros: int | None
    allowance_micros: int | None

    @property
    def remaining_micros(self) -> int | None:
        """The tightest of the three (None when all are unlimited)."""
        limits = (self.daily_micros, self.monthly_micros, self.allowance_micros)
        known = [limit for limit in limits if limit is not None]
        return min(known) if known else None


@dataclass(frozen=True, slots=True)
class BudgetAlert:
    team_id: str
    period: Literal["day", "month"]
    period_start: str  # yyyy-mm-dd or yyyy-mm
    threshold: int
    spent_usd: float
    limit_usd: float

    def detail(self) -> dict[str, Any]:
        return {
            "team_id": self.team_id,
            "period": self.period,
            "period_start": self.period_start,
            "threshold": self.threshold,
            "spent_usd": self.spent_usd,
            "limit_usd": self.limit_usd,
        }


def _usd_or_none(micros: int | float | None) -> float | None:
    return None if micros is None else micros_to_usd(int(micros))


def _micros_or_none(usd: float | None) -> int | None:
    return None if usd is None else usd_to_micros(usd)


def _budget(item: BudgetItem | None) -> Budget:
    if item is None:
        return Budget(monthly_limit=None, daily_limit=None, alert_thresholds=[*DEFAULT_THRESHOLDS])
    return Budget(
        monthly_limit=_usd_or_none(item.monthly_limit_micros),
        daily_limit=_usd_or_none(item.daily_limit_micros),
        alert_thresholds=sorted(int(t) for t in item.alert_thresholds or ()),
        updated_at=item.updated_at,
    )


def get_budget(team_id: str) -> Budget:
    """The team's budget; a team that never set one is unlimited with the default thresholds."""
    return _budget(get_or_none(BudgetItem, team_partition(team_id), BUDGET))


def set_budget(team_id: str, update: BudgetUpdate) -> Budget:
    item = BudgetItem(
        team_partition(team_id),
        BUDGET,
        team_id=team_id,
        monthly_limit_micros=_micros_or_none(update.monthly_limit),
        daily_limit_micros=_micros_or_none(update.daily_limit),
        alert_thresholds=set(update.alert_thresholds) or None,
        updated_at=utcnow(),
    )
    with storage_errors("budget"):
        item.save(add_version_condition=False)  # PUT replaces the whole: last writer wins
    return _budget(item)


def _allowance(user_id: str, item: AllowanceItem | None) -> Allowance:
    if item is None:
        return Allowance(user_id=user_id, monthly_allowance=None)
    return Allowance(
        user_id=user_id,
        monthly_allowance=_usd_or_none(item.monthly_allowance_micros),
        updated_at=item.updated_at,
    )


def get_allowance(team_id: str, user_id: str) -> Allowance:
    return _allowance(
        user_id, get_or_none(AllowanceItem, team_partition(team_id), allowance_key(user_id))
    )


def set_allowance(team_id: str, user_id: str, update: AllowanceUpdate) -> Allowance:
    item = AllowanceItem(
        team_partition(team_id),
        allowance_key(user_id),
        team_id=team_id,
        user_id=user_id,
        monthly_allowance_micros=_micros_or_none(update.monthly_allowance),
        updated_at=utcnow(),
    )
    with storage_errors("allowance"):
        item.save(add_version_condition=False)
    return _allowance(user_id, item)


def _spent(items: dict[str, Any], key: str) -> int:
    rollup: RollupItem | None = items.get(key)
    return 0 if rollup is None else int(rollup.cost_micros)


def _limit(item: BudgetItem | AllowanceItem | None, attribute: str) -> int | None:
    value = None if item is None else getattr(item, attribute)
    return None if value is None else int(value)


def check_budget(
    team_id: str, user_id: str, estimated_cost_micros: int, now: datetime | None = None
) -> Headroom:
    """Refuse a call that would go over a limit (`BudgetExceeded`); else what each leaves.

    One BatchGetItem (budget, allowance, today's, this month's and the user's month
    rollups). A limit is refused once spent, or when spent plus the estimate is over it;
    the team's daily budget is checked first, then its monthly one, then the allowance.
    Concurrent calls may each pass and together overshoot by at most their own costs.
    """
    if estimated_cost_micros < 0:
        raise ValueError("the estimated cost cannot be negative")
    day = (now or utcnow()).astimezone(UTC).date()
    today, month, user_month = day_key(day), month_key(day), user_month_key(user_id, day)
    items = load_many(team_id, [BUDGET, allowance_key(user_id), today, month, user_month])
    budget, allowance = items.get(BUDGET), items.get(allowance_key(user_id))
    checks = (
        ("Team daily budget", _limit(budget, "daily_limit_micros"), _spent(items, today)),
        ("Team monthly budget", _limit(budget, "monthly_limit_micros"), _spent(items, month)),
        (
            "User monthly allowance",
            _limit(allowance, "monthly_allowance_micros"),
            _spent(items, user_month),
        ),
    )
    for name, limit, spent in checks:
        if limit is not None and (spent >= limit or spent + estimated_cost_micros > limit):
            raise BudgetExceeded(
                name,
                micros_to_usd(spent),
                micros_to_usd(limit),
                micros_to_usd(estimated_cost_micros),
            )
    daily, monthly, user = (None if lim is None else lim - spent for _, lim, spent in checks)
    return Headroom(daily_micros=daily, monthly_micros=monthly, allowance_micros=user)


def _claim(team_id: str, rollup_key: str, threshold: int) -> bool:
    """Mark `threshold` announced on the rollup; False when another caller already did."""
    rollup = RollupItem(team_partition(team_id), rollup_key)
    try:
        rollup.update(
            actions=[RollupItem.alerts_fired.add({threshold})],
            condition=RollupItem.sk.exists() & ~RollupItem.alerts_fired.contains(threshold),
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise ServiceUnavailable("Storage is unavailable; try again shortly") from exc
    return True


def alerts_after(team_id: str, now: datetime | None = None) -> list[BudgetAlert]:
    """Publish `budget.threshold_crossed` for each threshold today or this month has newly
    crossed; answers the alerts this caller published.

    One BatchGetItem (budget, today's and this month's rollups), then one conditional
    UpdateItem per threshold not yet marked on its rollup: whichever caller marks it
    publishes, so concurrent instances announce each (period, threshold) exactly once.
    A put the bus refuses is logged and not retried (the mark is the record).
    """
    day = (now or utcnow()).astimezone(UTC).date()
    items = load_many(team_id, [BUDGET, day_key(day), month_key(day)])
    budget: BudgetItem | None = items.get(BUDGET)
    if budget is None:
        return []
    periods: tuple[tuple[Literal["day", "month"], str, str, int | None], ...] = (
        ("day", day_key(day), day.isoformat(), _limit(budget, "daily_limit_micros")),
        ("month", month_key(day), month_of(day), _limit(budget, "monthly_limit_micros")),
    )
    alerts = []
    for period, key, start, limit in periods:
        rollup: RollupItem | None = items.get(key)
        if not limit or rollup is None:  # a zero limit refuses every call: nothing to warn of
            continue
        spent, fired = int(rollup.cost_micros), rollup.alerts_fired or set()
        for threshold in sorted(int(t) for t in budget.alert_thresholds or ()):
            crossed = spent * 100 >= limit * threshold
            if crossed and threshold not in fired and _claim(team_id, key, threshold):
                alert = BudgetAlert(
                    team_id, period, start, threshold, micros_to_usd(spent), micros_to_usd(limit)
                )
                publish(THRESHOLD_CROSSED, alert.detail())
                alerts.append(alert)
    return alerts
