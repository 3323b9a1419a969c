"""Budgets and allowances: the check before an LLM call and the alerts after one."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from functions.costs.schemas import AllowanceUpdate, BudgetUpdate
from shared.costs import alerts, budget_store, budget_updates
from shared.costs.alerts import alerts_after
from shared.costs.budget_check import BudgetSeen, check_budget
from shared.costs.budget_store import get_allowance, get_budget
from shared.costs.domain import Allowance, Budget
from shared.costs.ledger import record_call
from shared.costs.models import BUDGET, BudgetItem
from shared.db.base import team_partition
from shared.db.versioned import LostRace
from shared.errors import BudgetExceeded, Conflict
from shared.ids import new_id
from tests.integration.test_cost_ledger import NOON, a_call, forget_team

pytestmark = pytest.mark.usefixtures("aws")

DOLLAR = 1_000_000  # micro-dollars


@pytest.fixture
def team() -> Iterator[str]:
    team_id = f"team-{new_id()}"
    yield team_id
    forget_team(team_id)


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """What the budgets module puts on the event bus."""
    events: list[tuple[str, dict[str, Any]]] = []

    def publish(detail_type: str, detail: dict[str, Any]) -> bool:
        events.append((detail_type, detail))
        return True

    monkeypatch.setattr(alerts, "publish", publish)
    return events


def spend(team_id: str, usd: float, *, user_id: str = "user-1", at: datetime = NOON) -> None:
    """Record a call costing `usd`: a million input tokens per dollar at $1/M."""
    record_call(
        a_call(
            team_id,
            user_id=user_id,
            tokens_in=round(usd * 1_000_000),
            tokens_out=0,
            input_price_per_million=1.0,
            output_price_per_million=0.0,
            at=at,
        )
    )


def limits(*, monthly: float | None = None, daily: float | None = None) -> BudgetUpdate:
    return BudgetUpdate(monthly_limit=monthly, daily_limit=daily)


def set_budget(team_id: str, update: BudgetUpdate) -> Budget:
    """What PUT /costs/budget stores for the body `update`."""
    return budget_updates.set_budget(team_id, **update.model_dump())


def set_allowance(team_id: str, user_id: str, update: AllowanceUpdate) -> Allowance:
    """What PUT /users/me/monthly-allowance stores for the body `update`."""
    return budget_store.set_allowance(team_id, user_id, update.monthly_allowance)


def test_a_team_that_set_nothing_is_unlimited_with_the_default_thresholds(team: str) -> None:
    budget = get_budget(team)
    allowance = get_allowance(team, "user-1")

    assert (budget.monthly_limit, budget.daily_limit) == (None, None)
    assert budget.alert_thresholds == [50, 80, 100]
    assert (allowance.user_id, allowance.monthly_allowance) == ("user-1", None)


def test_a_budget_and_an_allowance_are_stored_as_given_and_replaced_whole(team: str) -> None:
    stored = set_budget(
        team,
        BudgetUpdate.model_validate(
            {"monthly_limit": 100, "daily_limit": 5.25, "alert_thresholds": [90, 25, 90]}
        ),
    )
    allowance = set_allowance(team, "user-1", AllowanceUpdate(monthly_allowance=12.5))

    assert stored == get_budget(team)
    assert (stored.monthly_limit, stored.daily_limit) == (100.0, 5.25)
    assert stored.alert_thresholds == [25, 90]  # sorted, each once
    assert get_allowance(team, "user-1") == allowance
    assert allowance.monthly_allowance == 12.5

    # A PUT without a limit makes it unlimited; an empty threshold list means no alerts.
    replaced = set_budget(team, BudgetUpdate(daily_limit=1, alert_thresholds=[]))
    assert (replaced.monthly_limit, replaced.daily_limit) == (None, 1.0)
    assert get_budget(team).alert_thresholds == []


@pytest.mark.parametrize(
    "payload",
    [
        {"monthly_limit": -1},
        {"daily_limit": -0.01},
        {"monthly_limit": "nan"},
        {"monthly_limit": 10**12},
        {"alert_thresholds": [0]},
        {"alert_thresholds": [150]},
        {"alert_thresholds": list(range(1, 12))},
        {"monthly_limit": 5, "currency": "EUR"},
    ],
)
def test_budget_inputs_outside_their_ranges_or_with_unknown_fields_are_refused(
    payload: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError):
        BudgetUpdate.model_validate(payload)


@pytest.mark.parametrize("payload", [{"monthly_allowance": -5}, {"allowance": 5}])
def test_allowance_inputs_are_validated_too(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        AllowanceUpdate.model_validate(payload)


def test_the_team_daily_budget_refuses_a_call_that_would_go_over_it(team: str) -> None:
    set_budget(team, limits(daily=2, monthly=100))
    spend(team, 1.5)

    with pytest.raises(BudgetExceeded) as refused:
        check_budget(team, "user-1", 1 * DOLLAR, now=NOON)

    assert refused.value.status_code == 402
    assert refused.value.detail == (
        "Team daily budget would be exceeded: $1.50 spent of $2.00,"
        " and this call is estimated at $1.00"
    )
    assert (refused.value.spent_usd, refused.value.limit_usd) == (1.5, 2.0)


def test_the_team_monthly_budget_counts_every_day_of_the_month(team: str) -> None:
    set_budget(team, limits(monthly=3))
    spend(team, 1.0, at=NOON - timedelta(days=10))
    spend(team, 1.5, at=NOON - timedelta(days=1))

    with pytest.raises(BudgetExceeded) as refused:
        check_budget(team, "user-1", 1 * DOLLAR, now=NOON)

    assert refused.value.detail.startswith(
        "Team monthly budget would be exceeded: $2.50 spent of $3.00"
    )


def test_a_users_allowance_refuses_that_user_only_once_it_is_spent(team: str) -> None:
    set_allowance(team, "user-1", AllowanceUpdate(monthly_allowance=1))
    spend(team, 1.0, user_id="user-1")

    with pytest.raises(BudgetExceeded) as refused:
        check_budget(team, "user-1", 0, now=NOON)

    assert refused.value.detail == "User monthly allowance is exhausted: $1.00 spent of $1.00"
    check_budget(team, "user-2", 5 * DOLLAR, now=NOON)  # another user's spend is their own


def test_a_call_that_fits_exactly_passes_and_a_micro_dollar_more_does_not(team: str) -> None:
    set_budget(team, limits(daily=2))
    set_allowance(team, "user-1", AllowanceUpdate(monthly_allowance=10))
    spend(team, 1.5)

    seen = check_budget(team, "user-1", DOLLAR // 2, now=NOON)

    assert (seen.day_spent_micros, seen.daily_limit_micros) == (1_500_000, 2 * DOLLAR)
    with pytest.raises(BudgetExceeded, match="Team daily budget would be exceeded"):
        check_budget(team, "user-1", DOLLAR // 2 + 1, now=NOON)


def test_a_zero_limit_refuses_every_call(team: str) -> None:
    set_budget(team, limits(daily=0))

    with pytest.raises(BudgetExceeded, match=r"Team daily budget is exhausted: \$0\.00 spent"):
        check_budget(team, "user-1", 0, now=NOON)


def test_unlimited_budgets_never_refuse(team: str) -> None:
    spend(team, 500)
    check_budget(team, "user-1", 10_000 * DOLLAR, now=NOON)

    set_budget(team, limits())
    set_allowance(team, "user-1", AllowanceUpdate(monthly_allowance=None))
    seen = check_budget(team, "user-1", 10_000 * DOLLAR, now=NOON)
    assert (seen.daily_limit_micros, seen.monthly_limit_micros) == (None, None)


def test_limits_start_afresh_with_their_day_and_month(team: str) -> None:
    set_budget(team, limits(daily=1))
    set_allowance(team, "user-1", AllowanceUpdate(monthly_allowance=1))
    spend(team, 1.0, at=NOON - timedelta(days=31))  # last month, and not today

    seen = check_budget(team, "user-1", DOLLAR, now=NOON)  # the whole of both limits is left

    assert (seen.day_spent_micros, seen.month_spent_micros) == (0, 0)
    with pytest.raises(BudgetExceeded, match="Team daily budget"):
        check_budget(team, "user-1", DOLLAR + 1, now=NOON)


def test_a_budget_check_is_one_batch_get(team: str, dynamodb_calls: list[str]) -> None:
    set_budget(team, limits(daily=5, monthly=50))
    spend(team, 1)
    dynamodb_calls.clear()

    check_budget(team, "user-1", DOLLAR, now=NOON)

    assert dynamodb_calls == ["BatchGetItem"]


def test_each_threshold_is_announced_once_per_period(
    team: str, published: list[tuple[str, dict[str, Any]]]
) -> None:
    set_budget(team, limits(daily=10, monthly=100))

    def spend_then_alert(usd: float, at: datetime = NOON) -> list[tuple[str, int]]:
        spend(team, usd, at=at)
        return [(alert.period, alert.threshold) for alert in alerts_after(team, now=at)]

    assert spend_then_alert(4) == []
    assert spend_then_alert(1.5) == [("day", 50)]
    assert alerts_after(team, now=NOON) == []  # asked again: already announced
    assert spend_then_alert(0.5) == []
    assert spend_then_alert(3) == [("day", 80)]
    assert spend_then_alert(11) == [("day", 100)]  # the month is at 20%
    # A new day starts its own thresholds; the month crosses its first.
    tomorrow = NOON + timedelta(days=1)
    assert spend_then_alert(31, at=tomorrow) == [
        ("day", 50),
        ("day", 80),
        ("day", 100),
        ("month", 50),
    ]

    assert [detail_type for detail_type, _ in published] == ["budget.threshold_crossed"] * 7
    assert published[1][1] == {
        "team_id": team,
        "period": "day",
        "period_start": "2030-06-15",
        "threshold": 80,
        "spent_usd": 9.0,
        "limit_usd": 10.0,
    }
    assert published[-1][1]["period_start"] == "2030-06"
    assert published[-1][1]["spent_usd"] == 51.0


def test_concurrent_callers_announce_each_threshold_once(
    team: str, published: list[tuple[str, dict[str, Any]]]
) -> None:
    # Given a day's spend that crossed every threshold at once
    set_budget(team, limits(daily=1))
    spend(team, 1.25)

    # When eight instances look for alerts at the same time
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(lambda _: alerts_after(team, now=NOON), range(8)))

    # Then each threshold went out once, from whichever instance claimed it
    assert sorted(alert.threshold for alerts in found for alert in alerts) == [50, 80, 100]
    assert sorted(detail["threshold"] for _, detail in published) == [50, 80, 100]


def test_no_budget_or_a_zero_limit_announces_nothing(
    team: str, published: list[tuple[str, dict[str, Any]]]
) -> None:
    spend(team, 3)
    assert alerts_after(team, now=NOON) == []

    set_budget(team, limits(daily=0, monthly=0))
    assert alerts_after(team, now=NOON) == []
    assert published == []


def seen_before(team: str, at: datetime = NOON) -> BudgetSeen:
    """What the router's budget check read before its call."""
    seen = check_budget(team, "user-1", 0, now=at)
    assert seen is not None
    return seen


def test_the_check_keeps_what_it_read_for_the_alerts(team: str) -> None:
    set_budget(team, BudgetUpdate(daily_limit=10, monthly_limit=100, alert_thresholds=[80, 50]))
    spend(team, 2)
    spend(team, 3, at=NOON - timedelta(days=1))

    seen = seen_before(team)

    assert seen == BudgetSeen(
        day=NOON.date(),
        daily_limit_micros=10 * DOLLAR,
        monthly_limit_micros=100 * DOLLAR,
        thresholds=(50, 80),
        day_spent_micros=2 * DOLLAR,
        month_spent_micros=5 * DOLLAR,
        day_fired=frozenset(),
        month_fired=frozenset(),
    )


def test_alerts_from_what_the_check_read_make_no_request_while_nothing_is_crossed(
    team: str, dynamodb_calls: list[str], published: list[tuple[str, dict[str, Any]]]
) -> None:
    unlimited = seen_before(team)
    set_budget(team, limits(daily=10))
    spend(team, 1)
    limited = seen_before(team)
    dynamodb_calls.clear()

    assert alerts_after(team, now=NOON, seen=unlimited, cost_micros=100 * DOLLAR) == []
    assert alerts_after(team, now=NOON, seen=limited, cost_micros=3 * DOLLAR) == []  # at 40%
    assert dynamodb_calls == []
    assert published == []


def test_alerts_from_what_the_check_read_add_the_calls_cost_and_claim_without_a_read(
    team: str, dynamodb_calls: list[str], published: list[tuple[str, dict[str, Any]]]
) -> None:
    set_budget(team, limits(daily=10, monthly=100))
    spend(team, 4)
    seen = seen_before(team)
    spend(team, 4.5)  # the call, recorded
    dynamodb_calls.clear()

    alerts = alerts_after(team, now=NOON, seen=seen, cost_micros=4_500_000)

    assert [(alert.period, alert.threshold, alert.spent_usd) for alert in alerts] == [
        ("day", 50, 8.5),
        ("day", 80, 8.5),
    ]
    assert dynamodb_calls == ["UpdateItem", "UpdateItem"]  # the two claims, nothing read
    assert [detail["threshold"] for _, detail in published] == [50, 80]
    # Marked: the next call's check sees them announced, and announces nothing again.
    dynamodb_calls.clear()
    assert alerts_after(team, now=NOON, seen=seen_before(team), cost_micros=0) == []
    assert dynamodb_calls == ["BatchGetItem"]  # the check's read, no claim


def test_an_alert_waits_for_the_stored_spend_whatever_the_caller_added(
    team: str, published: list[tuple[str, dict[str, Any]]]
) -> None:
    # A retried call already recorded is seen by the check and added again by the caller:
    # the sum says 50% is crossed, the rollup does not.
    set_budget(team, limits(daily=10))
    spend(team, 3)
    seen = seen_before(team)

    assert alerts_after(team, now=NOON, seen=seen, cost_micros=3 * DOLLAR) == []
    assert published == []
    spend(team, 2)  # now it is: and the threshold was not marked by the refused claim
    assert [alert.threshold for alert in alerts_after(team, now=NOON)] == [50]


def test_what_the_check_read_on_another_day_is_not_used(
    team: str, dynamodb_calls: list[str], published: list[tuple[str, dict[str, Any]]]
) -> None:
    # A call checked just before midnight and recorded just after it: its cost is in the
    # new day's rollup, which the check never read.
    set_budget(team, limits(daily=10))
    spend(team, 9, at=NOON - timedelta(days=1))
    yesterday = seen_before(team, NOON - timedelta(days=1))
    spend(team, 6)
    dynamodb_calls.clear()

    alerts = alerts_after(team, now=NOON, seen=yesterday, cost_micros=6 * DOLLAR)

    # Today's $6 of $10, read; not yesterday's $9 plus $6.
    assert [(alert.period, alert.threshold) for alert in alerts] == [("day", 50)]
    assert dynamodb_calls == ["BatchGetItem", "UpdateItem"]


def test_concurrent_callers_with_what_their_checks_read_announce_each_threshold_once(
    team: str, published: list[tuple[str, dict[str, Any]]]
) -> None:
    set_budget(team, limits(daily=1))
    seen = seen_before(team)
    spend(team, 1.25)

    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(
            pool.map(
                lambda _: alerts_after(team, now=NOON, seen=seen, cost_micros=1_250_000),
                range(8),
            )
        )

    assert sorted(alert.threshold for alerts in found for alert in alerts) == [50, 80, 100]
    assert sorted(detail["threshold"] for _, detail in published) == [50, 80, 100]


def test_a_negative_cost_is_refused(team: str) -> None:
    with pytest.raises(ValueError, match="negative"):
        alerts_after(team, now=NOON, seen=seen_before(team), cost_micros=-1)


def stored_version(team_id: str) -> int:
    return int(BudgetItem.get(team_partition(team_id), BUDGET, consistent_read=True).version)


def test_each_budget_write_is_conditioned_on_the_version_it_read(team: str) -> None:
    first = set_budget(team, limits(daily=1))
    second = budget_updates.update_budget(team, monthly_limit=30)

    assert (first.version, second.version, stored_version(team)) == (1, 2, 2)
    assert (second.daily_limit, second.monthly_limit) == (1.0, 30.0)  # the rest kept
    # A write on a version no longer stored is refused, whatever its time stamps.
    with pytest.raises(LostRace):
        budget_store.save_budget(team, first.model_copy(update={"daily_limit": 9}))
    assert get_budget(team) == second


def test_a_put_that_loses_a_race_is_applied_again_to_what_won(
    team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_budget(team, limits(daily=1))
    read = budget_store.get_budget
    landed: list[Budget] = []

    def read_then_another_put_lands(team_id: str, **kwargs: Any) -> Budget:
        budget = read(team_id, **kwargs)
        if not landed:  # between this PUT's read and its write, once
            monkeypatch.setattr(budget_store, "get_budget", read)
            landed.append(set_budget(team, limits(monthly=70)))
        return budget

    monkeypatch.setattr(budget_store, "get_budget", read_then_another_put_lands)

    answered = set_budget(team, BudgetUpdate(daily_limit=3, alert_thresholds=[90]))

    # A PUT replaces the whole: the later one is what stays, neither write is lost unseen.
    assert (landed[0].monthly_limit, landed[0].version) == (70.0, 2)
    assert (answered.daily_limit, answered.monthly_limit, answered.alert_thresholds) == (
        3.0,
        None,
        [90],
    )
    assert answered.version == stored_version(team) == 3
    assert get_budget(team) == answered


def test_a_budget_change_that_keeps_losing_is_a_conflict(
    team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_budget(team, limits(daily=1))
    read = budget_store.get_budget
    writes = []

    def read_then_another_write_lands(team_id: str, **kwargs: Any) -> Budget:
        budget = read(team_id, **kwargs)
        writes.append(budget_store.save_budget(team_id, budget))  # someone else's write
        return budget

    monkeypatch.setattr(budget_store, "get_budget", read_then_another_write_lands)

    with pytest.raises(Conflict) as refused:
        budget_updates.update_budget(team, daily_limit=5)

    assert refused.value.status_code == 409
    assert len(writes) == budget_updates.UPDATE_ATTEMPTS
    monkeypatch.setattr(budget_store, "get_budget", read)
    assert get_budget(team).daily_limit == 1.0  # never written
