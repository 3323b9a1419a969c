"""A user's allowance period: what counts as spent against the monthly allowance, and when
it renews.

The ledger counts a user's spend per UTC month (``ROLLUP#USERMONTH``), and the allowance
renews at each month's start. It also renews when reset (``POST /users/me/reset-allowance``)
or at an explicit reset date (``PUT /users/me/allowance-reset-date``), and its remaining
amount can be set (``PUT /users/me/spend-remaining``). Each of those is kept as an offset
on the allowance item: what to take off the spend of the month it was made in. The rollups
stay the one record of what was spent; a new month starts without an offset.

An explicit reset date is applied by the first budget check after it (`reset_if_due`): a
check runs before every call, so every call of the month before that check came before
the date, and the offset (the month's spend then) is exact up to calls in flight at that
moment. A read that finds the date passed and not yet applied counts the period's spend
as zero, for the same reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.costs import budget_store, summary_store
from shared.costs.allowance_fields import AllowanceChanges
from shared.costs.amounts import micros_to_usd, usd_to_micros
from shared.costs.rollups import AllowanceState
from shared.errors import Conflict, Unprocessable
from shared.ids import utcnow


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def next_month_start(moment: datetime) -> datetime:
    day = moment.astimezone(UTC)
    if day.month == 12:
        return datetime(day.year + 1, 1, 1, tzinfo=UTC)
    return datetime(day.year, day.month + 1, 1, tzinfo=UTC)


def reset_due(state: AllowanceState, now: datetime) -> bool:
    return state.reset_at is not None and state.reset_at <= now


def period_spent(state: AllowanceState, month_spent_micros: int, now: datetime) -> int:
    """What counts against the allowance at `now`, of the month's spend so far."""
    if reset_due(state, now):
        return 0  # no call was checked since the date: the month's spend all came before it
    if state.offset_month == month_of(now):
        return max(0, month_spent_micros - state.offset_micros)
    return month_spent_micros


def next_reset(state: AllowanceState, now: datetime) -> datetime:
    """When the allowance next renews: the next month's start, or an explicit date before."""
    start = next_month_start(now)
    if state.reset_at is not None and now < state.reset_at < start:
        return state.reset_at
    return start


def reset_if_due(
    team_id: str, user_id: str, state: AllowanceState, month_spent_micros: int, now: datetime
) -> bool:
    """Apply a passed explicit reset date (the month's spend so far stops counting);
    whether one was due. Conditional on the date still stored: a concurrent check applies
    it once."""
    if not reset_due(state, now):
        return False
    assert state.reset_at is not None
    budget_store.apply_reset_date(
        team_id, user_id, month_spent_micros, month_of(now), due=state.reset_at
    )
    return True


def _month_spent(team_id: str, user_id: str, now: datetime) -> tuple[int, AllowanceState]:
    """The user's spend this month and their allowance's period (one BatchGetItem), with
    a passed reset date applied first, so that what follows starts from it."""
    rollup, state = summary_store.user_month(team_id, user_id, now.astimezone(UTC).date())
    spent = 0 if rollup is None else rollup.cost_micros
    if reset_if_due(team_id, user_id, state, spent, now):
        state = state._replace(offset_micros=spent, offset_month=month_of(now), reset_at=None)
    return spent, state


def apply_due_reset(team_id: str, user_id: str, now: datetime) -> None:
    """Apply a passed reset date before spend that no budget check saw is recorded (a
    usage a client reports)."""
    _month_spent(team_id, user_id, now)


def set_spend_remaining(
    team_id: str, user_id: str, remaining_usd: float, now: datetime | None = None
) -> None:
    """Make what remains of the allowance this period `remaining_usd`: Conflict without an
    allowance (what remains is unlimited), Unprocessable above the allowance."""
    moment = now or utcnow()
    spent, state = _month_spent(team_id, user_id, moment)
    limit = state.allowance_micros
    remaining = _check_remaining(limit, remaining_usd)
    assert limit is not None  # _check_remaining refuses an unlimited allowance
    # What the period has spent becomes the allowance less what remains.
    budget_store.set_usage_offset(team_id, user_id, spent - (limit - remaining), month_of(moment))


def reset_usage(team_id: str, user_id: str, now: datetime | None = None) -> None:
    """Renew the allowance now: what the month has spent so far stops counting."""
    moment = now or utcnow()
    spent, _ = _month_spent(team_id, user_id, moment)
    budget_store.set_usage_offset(team_id, user_id, spent, month_of(moment))


def set_reset_date(
    team_id: str, user_id: str, reset_at: datetime | None, now: datetime | None = None
) -> None:
    """Renew the allowance at `reset_at` (in the future: Unprocessable otherwise) as well as
    at each month's start; None: only at each month's start."""
    moment = now or utcnow()
    if reset_at is not None and reset_at <= moment:
        raise Unprocessable("allowanceResetDate must be in the future")
    _month_spent(team_id, user_id, moment)  # a passed date is applied before it is replaced
    budget_store.set_reset_at(team_id, user_id, reset_at)


def check_changes(
    team_id: str, user_id: str, changes: AllowanceChanges, now: datetime | None = None
) -> None:
    """Refuse an admin form's changes before anything is written: a reset date not in the
    future (Unprocessable), what remains without an allowance (Conflict) or above the
    allowance it will have (Unprocessable)."""
    moment = now or utcnow()
    if changes.set_reset_date and changes.reset_at is not None and changes.reset_at <= moment:
        raise Unprocessable("allowanceResetDate must be in the future")
    if changes.spend_remaining is None:
        return
    if changes.set_allowance:
        limit = (
            None if changes.monthly_allowance is None else usd_to_micros(changes.monthly_allowance)
        )
    else:
        limit = budget_store.read_allowance_state(team_id, user_id).allowance_micros
    _check_remaining(limit, changes.spend_remaining)


def _check_remaining(limit: int | None, remaining_usd: float) -> int:
    if limit is None:
        raise Conflict("No monthly allowance is set: what remains is unlimited; set one first")
    remaining = usd_to_micros(remaining_usd)
    if remaining > limit:
        raise Unprocessable(
            f"spendRemaining ({remaining_usd}) is above the monthly allowance "
            f"({micros_to_usd(limit)})"
        )
    return remaining


def apply_changes(
    team_id: str, user_id: str, changes: AllowanceChanges, now: datetime | None = None
) -> None:
    """An admin form's changes (checked first: `check_changes`), in order: the allowance,
    its reset date, what remains of it."""
    moment = now or utcnow()
    check_changes(team_id, user_id, changes, moment)
    if changes.set_allowance:
        budget_store.set_allowance(team_id, user_id, changes.monthly_allowance)
    if changes.set_reset_date:
        set_reset_date(team_id, user_id, changes.reset_at, moment)
    if changes.spend_remaining is not None:
        set_spend_remaining(team_id, user_id, changes.spend_remaining, moment)
