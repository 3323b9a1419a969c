"""What an operator does to a breaker (the /circuit-breakers routes): look, force open,
force closed, reset. Each change is a versioned write of the breaker read consistently."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from pynamodb.expressions.update import Action

from shared.db.versioned import LostRace, update_versioned
from shared.llm.breaker import models
from shared.llm.breaker.models import CLOSED, OPEN, BreakerItem, BreakerState
from shared.llm.breaker.policy import DEFAULT_POLICY, BreakerPolicy, BreakerSnapshot
from shared.llm.breaker.transitions import MAX_ATTEMPTS, announce, clock, closing, wait


def force_open(team_id: str, provider: str, *, now: float | None = None) -> BreakerSnapshot:
    """Hold the breaker open, whatever its cooldown, until force_close or reset."""
    moment = clock(now)

    def plan(item: BreakerItem) -> list[Action] | None:
        state = item.current
        if state == OPEN and item.forced:
            return None
        actions: list[Action] = [
            BreakerItem.state.set(OPEN),
            BreakerItem.forced.set(True),
            BreakerItem.probe_started_at.remove(),
        ]
        if state != OPEN:
            actions.append(BreakerItem.opened_at.set(models.as_datetime(moment)))
        return actions

    return _operate(team_id, provider, moment, OPEN, "forced", plan)


def force_close(team_id: str, provider: str, *, now: float | None = None) -> BreakerSnapshot:
    """Close the breaker (and end a force-open); a closed one is left as it is."""
    moment = clock(now)

    def plan(item: BreakerItem) -> list[Action] | None:
        return None if item.current == CLOSED else closing()

    return _operate(team_id, provider, moment, CLOSED, "forced", plan)


def reset(team_id: str, provider: str, *, now: float | None = None) -> BreakerSnapshot:
    """Closed, no failures counted, not forced."""
    moment = clock(now)

    def plan(item: BreakerItem) -> list[Action] | None:
        if item.current == CLOSED and not item.failures and not item.forced:
            return None
        return closing()

    return _operate(team_id, provider, moment, CLOSED, "reset", plan)


def state_of(
    team_id: str,
    provider: str,
    policy: BreakerPolicy = DEFAULT_POLICY,
    *,
    now: float | None = None,
) -> BreakerSnapshot:
    """One breaker; a provider with no stored breaker is closed with no failures."""
    return _snapshot(models.read(team_id, provider), policy, clock(now))


def states(
    team_id: str, policy: BreakerPolicy = DEFAULT_POLICY, *, now: float | None = None
) -> list[BreakerSnapshot]:
    """The team's stored breakers, by provider name (one Query on the team's partition)."""
    moment = clock(now)
    return [_snapshot(item, policy, moment) for item in models.read_team(team_id)]


def _operate(
    team_id: str,
    provider: str,
    moment: float,
    to: BreakerState,
    reason: str,
    plan: Callable[[BreakerItem], list[Action] | None],
) -> BreakerSnapshot:
    """An operator's change: `plan` says what to write besides the stamp (None: nothing)."""

    def change(item: BreakerItem) -> BreakerSnapshot:
        before, failures = item.current, int(item.failures)
        actions = plan(item)
        if actions is None:
            return _snapshot(item, DEFAULT_POLICY, moment)
        if not models.write(item, [*actions, *models.stamp(item, moment)]):
            raise LostRace
        if before != to:
            announce(item, before, to, reason, failures)
        return _snapshot(item, DEFAULT_POLICY, moment)

    # Rare, and should see the latest state: every read is consistent.
    read = partial(models.read, team_id, provider, consistent=True)
    return update_versioned(read, change, what="circuit breaker", attempts=MAX_ATTEMPTS)


def _snapshot(item: BreakerItem, policy: BreakerPolicy, moment: float) -> BreakerSnapshot:
    state = item.current
    return BreakerSnapshot(
        provider=item.provider,
        state=state,
        failures=int(item.failures),
        opened_at=None if state == CLOSED else item.opened_at,
        retry_after=None if state == CLOSED else wait(item, policy.cooldown_seconds, moment),
        forced=bool(item.forced),
        last_error=item.last_error,
        updated_at=None if item.version is None else item.updated_at,
    )
