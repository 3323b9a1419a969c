"""What a routed call asks of a breaker: may it go ahead, and how it went.

Each takes the breaker as already read (`stored`, from the caller's batch read) or reads
it itself. The first read is the hot path: a re-read after a lost race is strongly
consistent. Every write is conditional, so a stale first read can only cost a retry, or
admit one call within a second of the breaker opening.
"""

from __future__ import annotations

from shared.llm.breaker import store
from shared.llm.breaker.domain import CLOSED, HALF_OPEN, OPEN, Breaker, BreakerState
from shared.llm.breaker.policy import BreakerPolicy, Decision
from shared.llm.breaker.transitions import (
    MAX_ATTEMPTS,
    announce,
    clock,
    in_window,
    short,
    wait,
)


def allow(
    team_id: str,
    provider: str,
    policy: BreakerPolicy,
    *,
    now: float | None = None,
    stored: Breaker | None = None,
) -> Decision:
    """May a call to `provider` go ahead? Once the cooldown is over one caller is the probe."""
    moment = clock(now)
    breaker = stored if stored is not None else store.read(team_id, provider)
    for _ in range(MAX_ATTEMPTS):
        state, failures = breaker.state, breaker.failures
        if state == CLOSED:
            return Decision(True, CLOSED, failures=failures, breaker=breaker)
        waited = wait(breaker, policy.cooldown_seconds, moment)
        if waited is None or waited > 0:
            return Decision(False, state, waited, failures, breaker)
        # Open with its cooldown over, or half-open whose last probe never reported back
        # (it is replaced): this caller is the probe.
        probing = store.probe(breaker, moment)
        if probing is not None:
            if state == OPEN:
                announce(breaker, OPEN, HALF_OPEN, "cooldown", failures)
            return Decision(True, HALF_OPEN, failures=failures, breaker=probing)
        breaker = store.read(team_id, provider, consistent=True)
    waited = wait(breaker, policy.cooldown_seconds, moment)
    return Decision(False, breaker.state, waited, breaker.failures, breaker)


def record_success(
    team_id: str, provider: str, *, now: float | None = None, stored: Breaker | None = None
) -> BreakerState:
    """A call succeeded: a half-open breaker closes; a closed one forgets its failures.
    The state after."""
    moment = clock(now)
    breaker = stored if stored is not None else store.read(team_id, provider)
    for _ in range(MAX_ATTEMPTS):
        state = breaker.state
        if state == OPEN:
            return OPEN  # a call let through before it opened; the probe decides
        if state == HALF_OPEN:
            if store.close(breaker, moment) is not None:
                announce(breaker, HALF_OPEN, CLOSED, "probe succeeded", breaker.failures)
                return CLOSED
        elif not breaker.failures:
            return CLOSED  # the common path: nothing to reset, so no write
        elif store.clear_failures(breaker, moment) is not None:
            return CLOSED
        breaker = store.read(team_id, provider, consistent=True)
    return breaker.state


def record_failure(
    team_id: str,
    provider: str,
    error: str,
    policy: BreakerPolicy,
    *,
    now: float | None = None,
    started: float | None = None,
    stored: Breaker | None = None,
) -> BreakerState:
    """A call failed: counted while closed (opening at the threshold); a failed probe
    re-opens the breaker and restarts the cooldown. The state after.

    The window slides: a failure whose call began (`started`, default now) less than a
    window after the last counted failure adds to the count, otherwise the count starts
    again at 1. Measuring from the call's start lets every failure of a provider that never
    answers count, however long its read timeout is next to the window (a window fixed at
    the first failure lost every 120 s timeout after a 60 s window).

    `error` is kept, shortened and with credential-like text removed: pass the error's
    kind and status ("RateLimited 429"), not a provider's response body."""
    moment = clock(now)
    began = moment if started is None else min(started, moment)
    note = short(error)
    breaker = stored if stored is not None else store.read(team_id, provider)
    counted = False
    for _ in range(MAX_ATTEMPTS):
        state = breaker.state
        if state == OPEN:
            return OPEN  # a call let through before it opened: nothing to add
        if state == HALF_OPEN:
            if _reopen(breaker, note, moment):
                return OPEN
        elif not counted:
            after = _count(breaker, note, policy, moment, began)
            if after is not None:
                counted, breaker = True, after
                continue  # the update answered the new count: decide on it without a read
        elif breaker.failures < policy.failure_threshold or not in_window(
            breaker, policy.window_seconds, moment
        ):
            return CLOSED
        elif _open_at_threshold(breaker, policy, moment):
            return OPEN
        breaker = store.read(team_id, provider, consistent=True)
    return breaker.state


def _count(
    breaker: Breaker, note: str, policy: BreakerPolicy, moment: float, began: float
) -> Breaker | None:
    """Add one failure to the count read (the call began within the window), or start a
    new count; the breaker after, None on a lost race."""
    if in_window(breaker, policy.window_seconds, began):
        return store.add_failure(breaker, note, moment)
    # No failure counted, or the last is more than a window before this call: count
    # again from 1, unless another instance counted one since the read.
    return store.first_failure(breaker, note, moment)


def _reopen(breaker: Breaker, note: str, moment: float) -> bool:
    """The probe failed: open again, with a new cooldown. False on a lost race."""
    after = store.reopen(breaker, note, moment)
    if after is None:
        return False
    announce(after, HALF_OPEN, OPEN, "probe failed", after.failures)  # the failed probe counted
    return True


def _open_at_threshold(breaker: Breaker, policy: BreakerPolicy, moment: float) -> bool:
    """Open a breaker whose window reached the threshold, while still closed in that window
    (another instance may have opened it, or started a new window). False on a lost race."""
    after = store.open_at_threshold(breaker, policy.failure_threshold, moment)
    if after is None:
        return False
    announce(after, CLOSED, OPEN, "threshold", after.failures)
    return True
