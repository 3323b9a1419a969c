"""Budget alerts after an LLM call: `budget.threshold_crossed` for each threshold a day or
a month has newly crossed, announced once.

Kept out of `record_call` so recording stays one transaction and a slow bus never delays
it. The router hands `alerts_after` what the budget check read (`BudgetSeen`) and the
call's cost, so the alerts need no read of their own, and no request at all while nothing
is crossed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from shared.costs import spend_store
from shared.costs.amounts import micros_to_usd
from shared.costs.budget_check import BudgetSeen, seen_in
from shared.costs.models import month_of
from shared.events import publish
from shared.ids import utcnow

THRESHOLD_CROSSED = "budget.threshold_crossed"


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


@dataclass(frozen=True, slots=True)
class _Period:
    """One period's view for the alerts: its name, its limit and what it has spent."""

    name: Literal["day", "month"]
    start: str
    limit_micros: int | None
    spent_micros: int
    fired: frozenset[int]


def _periods(seen: BudgetSeen, cost_micros: int) -> tuple[_Period, _Period]:
    day = seen.day
    return (
        _Period(
            "day",
            day.isoformat(),
            seen.daily_limit_micros,
            seen.day_spent_micros + cost_micros,
            seen.day_fired,
        ),
        _Period(
            "month",
            month_of(day),
            seen.monthly_limit_micros,
            seen.month_spent_micros + cost_micros,
            seen.month_fired,
        ),
    )


def _announce(
    team_id: str, day: date, period: _Period, thresholds: tuple[int, ...]
) -> list[BudgetAlert]:
    """Claim and publish each threshold `period` has reached and not yet announced."""
    limit = period.limit_micros
    if not limit:  # unlimited; and a zero limit refuses every call: nothing to warn of
        return []
    alerts = []
    for threshold in thresholds:
        if threshold in period.fired or period.spent_micros * 100 < limit * threshold:
            continue
        reached = -(-limit * threshold // 100)  # the spend that is `threshold`%, rounded up
        stored = spend_store.claim_threshold(team_id, period.name, day, threshold, reached)
        if stored is not None:
            alert = BudgetAlert(
                team_id,
                period.name,
                period.start,
                threshold,
                micros_to_usd(stored),
                micros_to_usd(limit),
            )
            publish(THRESHOLD_CROSSED, alert.detail())
            alerts.append(alert)
    return alerts


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
        seen = seen_in(spend_store.read_spend(team_id, day))
        cost_micros = 0  # read after the call was recorded: its cost is in the spend already
    if not seen.alerting:
        return []
    # Seen before this call, the spend misses calls recorded since by other instances: a
    # threshold that two concurrent calls crossed together, each seeing less, is announced
    # by the team's next call (whose check reads the rollups afresh).
    return [
        alert
        for period in _periods(seen, cost_micros)
        for alert in _announce(team_id, seen.day, period, seen.thresholds)
    ]
