"""A user's allowance period (shared.costs.allowances): a reset, a remaining amount set and
an explicit reset date move what counts against the allowance, for the budget check and
for the usage shown alike; a new month starts afresh. The clock is driven (`now`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from shared.costs import allowances, budget_store
from shared.costs.allowance_fields import AllowanceChanges
from shared.costs.budget_check import check_budget
from shared.costs.summaries import user_usage
from shared.errors import BudgetExceeded, Conflict, Unprocessable
from shared.ids import new_id
from tests.integration.test_budgets import DOLLAR, spend
from tests.integration.test_cost_ledger import NOON, forget_team

pytestmark = pytest.mark.usefixtures("aws")

USER = "user-1"


@pytest.fixture
def team() -> Iterator[str]:
    team_id = f"team-{new_id()}"
    yield team_id
    forget_team(team_id)


def test_a_reset_lets_an_exhausted_allowance_be_spent_again(team: str) -> None:
    budget_store.set_allowance(team, USER, 2)
    spend(team, 2.0, at=NOON - timedelta(hours=1))
    with pytest.raises(BudgetExceeded, match="User monthly allowance is exhausted"):
        check_budget(team, USER, 0, now=NOON)

    allowances.reset_usage(team, USER, now=NOON)

    check_budget(team, USER, 2 * DOLLAR, now=NOON)  # the whole allowance is there again
    spend(team, 0.5, at=NOON)
    usage = user_usage(team, USER, now=NOON)
    assert (usage.spent_usd, usage.period_spent_usd, usage.remaining_usd) == (2.5, 0.5, 1.5)


def test_what_remains_can_be_set_and_is_what_the_check_allows(team: str) -> None:
    budget_store.set_allowance(team, USER, 10)
    spend(team, 1.0, at=NOON)

    allowances.set_spend_remaining(team, USER, 3, now=NOON)

    usage = user_usage(team, USER, now=NOON)
    assert (usage.remaining_usd, usage.period_spent_usd, usage.spent_usd) == (3.0, 7.0, 1.0)
    check_budget(team, USER, 3 * DOLLAR, now=NOON)
    with pytest.raises(BudgetExceeded, match=r"\$7\.00 spent of \$10\.00"):
        check_budget(team, USER, 3 * DOLLAR + 1, now=NOON)


def test_what_remains_needs_an_allowance_and_cannot_exceed_it(team: str) -> None:
    with pytest.raises(Conflict, match="No monthly allowance"):
        allowances.set_spend_remaining(team, USER, 1, now=NOON)

    budget_store.set_allowance(team, USER, 5)
    with pytest.raises(Unprocessable, match="above the monthly allowance"):
        allowances.set_spend_remaining(team, USER, 5.01, now=NOON)
    assert user_usage(team, USER, now=NOON).remaining_usd == 5.0


def test_an_offset_is_for_its_month_only(team: str) -> None:
    budget_store.set_allowance(team, USER, 4)
    spend(team, 3.0, at=NOON)
    allowances.reset_usage(team, USER, now=NOON)
    next_month = datetime(2030, 7, 2, 12, tzinfo=UTC)
    spend(team, 1.0, at=next_month)

    usage = user_usage(team, USER, now=next_month)

    assert (usage.month, usage.period_spent_usd, usage.remaining_usd) == ("2030-07", 1.0, 3.0)


def test_the_next_reset_is_the_next_months_start_or_an_explicit_date_before_it(
    team: str,
) -> None:
    budget_store.set_allowance(team, USER, 1)
    assert user_usage(team, USER, now=NOON).allowance_reset_at == datetime(2030, 7, 1, tzinfo=UTC)

    allowances.set_reset_date(team, USER, NOON + timedelta(days=3), now=NOON)
    assert user_usage(team, USER, now=NOON).allowance_reset_at == NOON + timedelta(days=3)

    allowances.set_reset_date(team, USER, None, now=NOON)
    assert user_usage(team, USER, now=NOON).allowance_reset_at == datetime(2030, 7, 1, tzinfo=UTC)


def test_a_reset_date_renews_the_allowance_when_it_passes(team: str) -> None:
    budget_store.set_allowance(team, USER, 2)
    spend(team, 2.0, at=NOON)
    allowances.set_reset_date(team, USER, NOON + timedelta(hours=1), now=NOON)
    with pytest.raises(BudgetExceeded):
        check_budget(team, USER, 0, now=NOON + timedelta(minutes=59))
    later = NOON + timedelta(hours=2)

    # Read before any check applied it: nothing counts yet.
    assert user_usage(team, USER, now=later).remaining_usd == 2.0
    check_budget(team, USER, DOLLAR, now=later)  # applies it
    spend(team, 1.5, at=later)

    usage = user_usage(team, USER, now=later)
    assert (usage.period_spent_usd, usage.remaining_usd) == (1.5, 0.5)
    assert budget_store.get_allowance(team, USER).reset_at is None  # applied once
    assert usage.allowance_reset_at == datetime(2030, 7, 1, tzinfo=UTC)


def test_a_reset_date_must_be_in_the_future(team: str) -> None:
    with pytest.raises(Unprocessable, match="in the future"):
        allowances.set_reset_date(team, USER, NOON, now=NOON)


def test_an_admin_forms_changes_are_checked_before_any_is_written(team: str) -> None:
    budget_store.set_allowance(team, USER, 10)
    refused = AllowanceChanges(set_allowance=True, monthly_allowance=2, spend_remaining=3)

    with pytest.raises(Unprocessable):
        allowances.apply_changes(team, USER, refused, now=NOON)

    assert budget_store.get_allowance(team, USER).monthly_allowance == 10.0
    allowances.apply_changes(
        team,
        USER,
        AllowanceChanges(set_allowance=True, monthly_allowance=4, spend_remaining=3),
        now=NOON,
    )
    usage = user_usage(team, USER, now=NOON)
    assert (usage.monthly_allowance, usage.remaining_usd) == (4.0, 3.0)


def test_changing_the_allowance_keeps_the_period(team: str) -> None:
    budget_store.set_allowance(team, USER, 5)
    spend(team, 4.0, at=NOON)
    allowances.reset_usage(team, USER, now=NOON)

    budget_store.set_allowance(team, USER, 6)

    assert user_usage(team, USER, now=NOON).remaining_usd == 6.0
