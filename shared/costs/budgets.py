"""Budgets (per team) and allowances (per user): limits, the check before an LLM call, and
the alerts after one.

The router's order: `check_budget` before a call (one BatchGetItem; `BudgetExceeded`, 402,
when a limit would be exceeded), `record_call` after it, then `alerts_after`, which
announces each threshold a day or month has crossed, once. Alerts are kept out of
`record_call` so recording stays one transaction and a slow bus never delays it. The
router hands `alerts_after` what the check read (`Headroom.seen`) and the call's cost, so
the alerts need no read of their own, and no request at all while nothing is crossed.

Amounts are US dollars in and out (`None`: unlimited), integer micro-dollars inside.
Days and months are UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pynamodb.exceptions import UpdateError

from shared.costs.models import (
    BUDGET,
    AllowanceItem,
    BudgetItem,
    RollupItem,
    allowance_key,
    cost_keys,
    day_key,
    load_many,
    micros_to_usd,
    month_key,
    month_of,
    usd_to_micros,
    user_month_key,
)
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.batch import ItemKey, get_many
from shared.db.versioned import lost_race, update_versioned
from shared.errors import BudgetExceeded, ServiceUnavailable
from shared.events import publish
from shared.ids import utcnow
from shared.numbers import JSON_NUMBER

DEFAULT_THRESHOLDS = (50, 80, 100)
MAX_LIMIT_USD = 1_000_000_000
THRESHOLD_CROSSED = "budget.threshold_crossed"
# The names BudgetExceeded gives the limits (a budget approval raises one by its name).
TEAM_DAILY = "Team daily budget"
TEAM_MONTHLY = "Team monthly budget"
USER_MONTHLY = "User monthly allowance"

# JSON numbers only: `false` is not 0, nor "10" 10 (the schema says number, integer).
Usd = Annotated[float, Field(ge=0, le=MAX_LIMIT_USD, allow_inf_nan=False), JSON_NUMBER]
Percent = Annotated[int, Field(ge=1, le=100), JSON_NUMBER]


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
class BudgetSeen:
    """The team's budget and its day's and month's spend as one read found them: what
    `alerts_after` needs, so that a caller that just read them need not read them again."""

    day: date  # UTC; the day and month the spend is of
    daily_limit_micros: int | None
    monthly_limit_micros: int | None
    thresholds: tuple[int, ...]  # ascending percents
    day_spent_micros: int
    month_spent_micros: int
    # Thresholds already announced for the day and the month (they are never unmarked).
    day_fired: frozenset[int]
    month_fired: frozenset[int]

    @property
    def alerting(self) -> bool:
        """Could any threshold ever be announced? Not without a positive limit."""
        return bool(self.thresholds) and bool(self.daily_limit_micros or self.monthly_limit_micros)


@dataclass(frozen=True, slots=True)
class Headroom:
    """What each limit leaves before the call, in micro-dollars; None: unlimited."""

    daily_micros: int | None
    monthly_micros: int | None
    allowance_micros: int | None
    # What the check read, for `alerts_after(..., seen=...)` once the call is recorded.
    seen: BudgetSeen | None = None

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


def _fired(items: dict[str, Any], key: str) -> frozenset[int]:
    rollup: RollupItem | None = items.get(key)
    fired = None if rollup is None else rollup.alerts_fired
    return frozenset(int(t) for t in fired or ())


def _seen(items: dict[str, Any], day: date) -> BudgetSeen:
    """The alerts' view of a `load_many` answer holding the budget and the day's rollups."""
    budget: BudgetItem | None = items.get(BUDGET)
    thresholds = () if budget is None else budget.alert_thresholds or ()
    today, month = day_key(day), month_key(day)
    return BudgetSeen(
        day=day,
        daily_limit_micros=_limit(budget, "daily_limit_micros"),
        monthly_limit_micros=_limit(budget, "monthly_limit_micros"),
        thresholds=tuple(sorted(int(t) for t in thresholds)),
        day_spent_micros=_spent(items, today),
        month_spent_micros=_spent(items, month),
        day_fired=_fired(items, today),
        month_fired=_fired(items, month),
    )


def budget_keys(team_id: str, user_id: str, now: datetime) -> list[ItemKey]:
    """What `check_budget` reads at `now`: for a caller that reads them in its own batch
    (the router adds its breakers) and hands the answer over as `read`."""
    day = now.astimezone(UTC).date()
    sort_keys = [BUDGET, allowance_key(user_id), day_key(day), month_key(day)]
    return cost_keys(team_id, [*sort_keys, user_month_key(user_id, day)])


def check_budget(
    team_id: str,
    user_id: str,
    estimated_cost_micros: int,
    now: datetime | None = None,
    *,
    read: Mapping[ItemKey, Any] | None = None,
) -> Headroom:
    """Refuse a call that would go over a limit (`BudgetExceeded`); else what each leaves.

    One BatchGetItem (budget, allowance, today's, this month's and the user's month
    rollups), or none when `read` holds the answer to a batch read of `budget_keys` at the
    same `now`. A limit is refused once spent, or when spent plus the estimate is over it;
    the team's daily budget is checked first, then its monthly one, then the allowance.
    Concurrent calls may each pass and together overshoot by at most their own costs.
    """
    if estimated_cost_micros < 0:
        raise ValueError("the estimated cost cannot be negative")
    moment = now or utcnow()
    day = moment.astimezone(UTC).date()
    today, month, user_month = day_key(day), month_key(day), user_month_key(user_id, day)
    keys = budget_keys(team_id, user_id, moment)
    found = read if read is not None else get_many(keys)
    items = {key[2]: found[key] for key in keys if key in found}
    budget, allowance = items.get(BUDGET), items.get(allowance_key(user_id))
    checks = (
        (TEAM_DAILY, _limit(budget, "daily_limit_micros"), _spent(items, today)),
        (TEAM_MONTHLY, _limit(budget, "monthly_limit_micros"), _spent(items, month)),
        (
            USER_MONTHLY,
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
    return Headroom(
        daily_micros=daily,
        monthly_micros=monthly,
        allowance_micros=user,
        seen=_seen(items, day),
    )


def _claim(team_id: str, rollup_key: str, threshold: int, reached_micros: int) -> int | None:
    """Mark `threshold` announced on the rollup, if its stored spend has reached
    `reached_micros`; answers that spend. None when another caller marked it first, or the
    spend is not there (an estimate counted a retried call twice, say): the stored figure,
    not the caller's sum, decides."""
    rollup = RollupItem(team_partition(team_id), rollup_key)
    try:
        rollup.update(
            actions=[RollupItem.alerts_fired.add({threshold})],
            condition=RollupItem.sk.exists()
            & ~RollupItem.alerts_fired.contains(threshold)
            & (RollupItem.cost_micros >= reached_micros),
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise ServiceUnavailable("Storage is unavailable; try again shortly") from exc
    return int(rollup.cost_micros)  # UpdateItem answered the item as it now is


def alerts_after(
    team_id: str,
    now: datetime | None = None,
    *,
    seen: BudgetSeen | None = None,
    cost_micros: int = 0,
) -> list[BudgetAlert]:
    """Publish `budget.threshold_crossed` for each threshold today or this month has newly
    crossed; answers the alerts this caller published.

    Without `seen`: one BatchGetItem (budget, today's and this month's rollups). With
    `seen` (what `check_budget` read before the call) and the call's `cost_micros`: no
    read, the spend being what was seen plus the cost; so a team without limits, or whose
    call crossed nothing, costs no request. `seen` of another day than `now`'s (a call
    across midnight) is not used: the rollups are read instead.

    Then one conditional UpdateItem per threshold not yet marked on its rollup: whichever
    caller marks it publishes, so concurrent instances announce each (period, threshold)
    exactly once, and only once the stored spend has reached it. A put the bus refuses is
    logged and not retried (the mark is the record).
    """
    if cost_micros < 0:
        raise ValueError("a call's cost cannot be negative")
    day = (now or utcnow()).astimezone(UTC).date()
    if seen is None or seen.day != day:
        seen = _seen(load_many(team_id, [BUDGET, day_key(day), month_key(day)]), day)
        cost_micros = 0  # read after the call was recorded: its cost is in the spend already
    if not seen.alerting:
        return []
    # Seen before this call, the spend misses calls recorded since by other instances: a
    # threshold that two concurrent calls crossed together, each seeing less, is announced
    # by the team's next call (whose check reads the rollups afresh).
    periods: tuple[tuple[Literal["day", "month"], str, str, int | None, int, frozenset[int]], ...]
    periods = (
        (
            "day",
            day_key(day),
            day.isoformat(),
            seen.daily_limit_micros,
            seen.day_spent_micros + cost_micros,
            seen.day_fired,
        ),
        (
            "month",
            month_key(day),
            month_of(day),
            seen.monthly_limit_micros,
            seen.month_spent_micros + cost_micros,
            seen.month_fired,
        ),
    )
    alerts = []
    for period, key, start, limit, spent, fired in periods:
        if not limit:  # unlimited; and a zero limit refuses every call: nothing to warn of
            continue
        for threshold in seen.thresholds:
            if threshold in fired or spent * 100 < limit * threshold:
                continue
            stored = _claim(team_id, key, threshold, -(-limit * threshold // 100))
            if stored is not None:
                alert = BudgetAlert(
                    team_id, period, start, threshold, micros_to_usd(stored), micros_to_usd(limit)
                )
                publish(THRESHOLD_CROSSED, alert.detail())
                alerts.append(alert)
    return alerts


class _Unchanged:
    """`update_budget`'s default: the attribute keeps its stored value."""


UNCHANGED = _Unchanged()
# A budget change that lost a race with another write is read and applied again this often.
UPDATE_ATTEMPTS = 3


def update_budget(
    team_id: str,
    *,
    monthly_limit: float | _Unchanged | None = UNCHANGED,
    daily_limit: float | _Unchanged | None = UNCHANGED,
    alert_thresholds: list[int] | _Unchanged = UNCHANGED,
) -> Budget:
    """Change only the attributes given (limits in USD, None: unlimited; thresholds as
    percents, as `BudgetUpdate` checks them), keeping the others as stored.

    Read (consistent), change, and write on condition that the item is as read: its
    `updated_at` unchanged (every budget write sets it; the version cannot tell, since
    `set_budget` writes a fresh item, version 1, each time), or still absent. A write in
    between is never lost: this change is applied again to what it wrote. A team with no
    budget yet gets one with the default thresholds, as an absent budget reads.
    """

    def change(read: tuple[BudgetItem, Any]) -> Budget:
        item, as_read = read
        if not isinstance(monthly_limit, _Unchanged):
            item.monthly_limit_micros = _micros_or_none(monthly_limit)
        if not isinstance(daily_limit, _Unchanged):
            item.daily_limit_micros = _micros_or_none(daily_limit)
        if not isinstance(alert_thresholds, _Unchanged):
            item.alert_thresholds = set(alert_thresholds) or None  # DynamoDB has no empty set
        item.updated_at = utcnow()
        with lost_race(), storage_errors("budget"):
            item.save(as_read, add_version_condition=False)
        return _budget(item)

    return update_versioned(
        partial(_budget_as_read, team_id), change, what="budget", attempts=UPDATE_ATTEMPTS
    )


def _budget_as_read(team_id: str) -> tuple[BudgetItem, Any]:
    """The stored budget item and the condition that it is still as read; for a team with
    none, a new item with the default thresholds and the condition that it is still absent."""
    partition = team_partition(team_id)
    stored = _stored_budget(partition)
    if stored is None:
        item = BudgetItem(
            partition, BUDGET, team_id=team_id, alert_thresholds=set(DEFAULT_THRESHOLDS)
        )
        return item, BudgetItem.sk.does_not_exist()
    return stored, BudgetItem.updated_at == stored.updated_at


def _stored_budget(partition: str) -> BudgetItem | None:
    """The budget item as last written (a consistent read: the condition must hold on it)."""
    return get_or_none(BudgetItem, partition, BUDGET, consistent=True)
