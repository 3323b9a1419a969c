"""What an operator does to a breaker (the /circuit-breakers routes): look, force open,
force closed, reset. Each change is a versioned write of the breaker read consistently."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from shared.db.versioned import LostRace, update_versioned
from shared.llm.breaker import store
from shared.llm.breaker.domain import CLOSED, OPEN, Breaker, BreakerState
from shared.llm.breaker.policy import DEFAULT_POLICY, BreakerPolicy, BreakerSnapshot
from shared.llm.breaker.transitions import MAX_ATTEMPTS, announce, clock, wait

# A store write applied to the breaker as read: the breaker after, None on a lost race.
Write = Callable[[Breaker, float], Breaker | None]


def force_open(team_id: str, provider: str, *, now: float | None = None) -> BreakerSnapshot:
    """Hold the breaker open, whatever its cooldown, until force_close or reset."""

    def plan(breaker: Breaker) -> Write | None:
        return None if breaker.state == OPEN and breaker.forced else store.force_open

    return _operate(team_id, provider, clock(now), OPEN, "forced", plan)


def force_close(team_id: str, provider: str, *, now: float | None = None) -> BreakerSnapshot:
    """Close the breaker (and end a force-open); a closed one is left as it is."""

    def plan(breaker: Breaker) -> Write | None:
        return None if breaker.state == CLOSED else store.close

    return _operate(team_id, provider, clock(now), CLOSED, "forced", plan)


def reset(team_id: str, provider: str, *, now: float | None = None) -> BreakerSnapshot:
    """Closed, no failures counted, not forced."""

    def plan(breaker: Breaker) -> Write | None:
        if breaker.state == CLOSED and not breaker.failures and not breaker.forced:
            return None
        return store.close

    return _operate(team_id, provider, clock(now), CLOSED, "reset", plan)


def state_of(
    team_id: str,
    provider: str,
    policy: BreakerPolicy = DEFAULT_POLICY,
    *,
    now: float | None = None,
) -> BreakerSnapshot:
    """One breaker; a provider with no stored breaker is closed with no failures."""
    return _snapshot(store.read(team_id, provider), policy, clock(now))


def states(
    team_id: str, policy: BreakerPolicy = DEFAULT_POLICY, *, now: float | None = None
) -> list[BreakerSnapshot]:
    """The team's stored breakers, by provider name (one Query on the team's partition)."""
    moment = clock(now)
    return [_snapshot(breaker, policy, moment) for breaker in store.read_team(team_id)]


def _operate(
    team_id: str,
    provider: str,
    moment: float,
    to: BreakerState,
    reason: str,
    plan: Callable[[Breaker], Write | None],
) -> BreakerSnapshot:
    """An operator's change: `plan` says which write to make (None: nothing)."""

    def change(breaker: Breaker) -> BreakerSnapshot:
        write = plan(breaker)
        if write is None:
            return _snapshot(breaker, DEFAULT_POLICY, moment)
        after = write(breaker, moment)
        if after is None:
            raise LostRace
        if breaker.state != to:
            announce(after, breaker.state, to, reason, breaker.failures)
        return _snapshot(after, DEFAULT_POLICY, moment)

    # Rare, and should see the latest state: every read is consistent.
    read = partial(store.read, team_id, provider, consistent=True)
    return update_versioned(read, change, what="circuit breaker", attempts=MAX_ATTEMPTS)


def _snapshot(breaker: Breaker, policy: BreakerPolicy, moment: float) -> BreakerSnapshot:
    state = breaker.state
    return BreakerSnapshot(
        provider=breaker.provider,
        state=state,
        failures=breaker.failures,
        opened_at=None if state == CLOSED else breaker.opened_at,
        retry_after=None if state == CLOSED else wait(breaker, policy.cooldown_seconds, moment),
        forced=breaker.forced,
        last_error=breaker.last_error,
        updated_at=None if breaker.version is None else breaker.updated_at,
    )
