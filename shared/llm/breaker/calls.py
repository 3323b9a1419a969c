"""What a routed call asks of a breaker: may it go ahead, and how it went.

Each takes the breaker as already read (`stored`, from the caller's batch read) or reads
it itself. The first read is the hot path: a re-read after a lost race is strongly
consistent. Every write is conditional, so a stale first read can only cost a retry, or
admit one call within a second of the breaker opening.
"""

from __future__ import annotations

from shared.llm.breaker import models
from shared.llm.breaker.models import CLOSED, HALF_OPEN, OPEN, BreakerItem, BreakerState
from shared.llm.breaker.policy import BreakerPolicy, Decision
from shared.llm.breaker.transitions import (
    MAX_ATTEMPTS,
    announce,
    clock,
    closing,
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
    stored: BreakerItem | None = None,
) -> Decision:
    """May a call to `provider` go ahead? Once the cooldown is over one caller is the probe."""
    moment = clock(now)
    item = stored if stored is not None else models.read(team_id, provider)
    for _ in range(MAX_ATTEMPTS):
        state, failures = item.current, int(item.failures)
        if state == CLOSED:
            return Decision(True, CLOSED, failures=failures)
        waited = wait(item, policy.cooldown_seconds, moment)
        if waited is None or waited > 0:
            return Decision(False, state, waited, failures)
        probe = [
            BreakerItem.probe_started_at.set(models.as_datetime(moment)),
            *models.stamp(item, moment),
        ]
        if state == OPEN:
            if models.write(item, [BreakerItem.state.set(HALF_OPEN), *probe]):
                announce(item, OPEN, HALF_OPEN, "cooldown", failures)
                return Decision(True, HALF_OPEN, failures=failures)
        elif models.write(item, probe):  # the last probe never reported back: replace it
            return Decision(True, HALF_OPEN, failures=failures)
        item = models.read(team_id, provider, consistent=True)
    return Decision(
        False, item.current, wait(item, policy.cooldown_seconds, moment), int(item.failures)
    )


def record_success(
    team_id: str, provider: str, *, now: float | None = None, stored: BreakerItem | None = None
) -> BreakerState:
    """A call succeeded: a half-open breaker closes; a closed one forgets its failures.
    The state after."""
    moment = clock(now)
    item = stored if stored is not None else models.read(team_id, provider)
    for _ in range(MAX_ATTEMPTS):
        state = item.current
        if state == OPEN:
            return OPEN  # a call let through before it opened; the probe decides
        if state == HALF_OPEN:
            failures = int(item.failures)
            if models.write(item, [*closing(), *models.stamp(item, moment)]):
                announce(item, HALF_OPEN, CLOSED, "probe succeeded", failures)
                return CLOSED
        elif not item.failures:
            return CLOSED  # the common path: nothing to reset, so no write
        elif models.write(
            item,
            [
                BreakerItem.failures.set(0),
                BreakerItem.last_failure_at.remove(),
                *models.stamp(item, moment),
            ],
            condition=BreakerItem.state == CLOSED,
            versioned=False,
        ):
            return CLOSED
        item = models.read(team_id, provider, consistent=True)
    return item.current


def record_failure(
    team_id: str,
    provider: str,
    error: str,
    policy: BreakerPolicy,
    *,
    now: float | None = None,
    started: float | None = None,
    stored: BreakerItem | None = None,
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
    item = stored if stored is not None else models.read(team_id, provider)
    counted = False
    for _ in range(MAX_ATTEMPTS):
        state = item.current
        if state == OPEN:
            return OPEN  # a call let through before it opened: nothing to add
        if state == HALF_OPEN:
            if _reopen(item, note, moment):
                return OPEN
        elif not counted:
            counted = _count(item, note, policy, moment, began)
            if counted:
                continue  # the update answered the new count: decide on it without a read
        elif int(item.failures) < policy.failure_threshold or not in_window(
            item, policy.window_seconds, moment
        ):
            return CLOSED
        elif _open_at_threshold(item, policy, moment):
            return OPEN
        item = models.read(team_id, provider, consistent=True)
    return item.current


def _count(
    item: BreakerItem, note: str, policy: BreakerPolicy, moment: float, began: float
) -> bool:
    """Add one failure to the count read (the call began within the window), or start a
    new count; False on a lost race.

    Conditioned on the state and the last failure read, not the version: another
    instance's failure meanwhile makes this one re-read and count on that one."""
    if in_window(item, policy.window_seconds, began):
        return models.write(
            item,
            [
                BreakerItem.failures.add(1),
                BreakerItem.last_failure_at.set(models.as_datetime(moment)),
                BreakerItem.last_error.set(note),
                *models.stamp(item, moment),
            ],
            condition=(BreakerItem.state == CLOSED)
            & (BreakerItem.last_failure_at == item.last_failure_at),
            versioned=False,
        )
    # No failure counted, or the last is more than a window before this call: count
    # again from 1, unless another instance counted one since the read.
    return models.write(
        item,
        [
            BreakerItem.state.set(CLOSED),
            BreakerItem.failures.set(1),
            BreakerItem.last_failure_at.set(models.as_datetime(moment)),
            BreakerItem.last_error.set(note),
            *models.stamp(item, moment),
        ],
    )


def _reopen(item: BreakerItem, note: str, moment: float) -> bool:
    """The probe failed: open again, with a new cooldown. False on a lost race."""
    opened = models.write(
        item,
        [
            BreakerItem.state.set(OPEN),
            BreakerItem.opened_at.set(models.as_datetime(moment)),
            BreakerItem.probe_started_at.remove(),
            BreakerItem.failures.add(1),
            BreakerItem.last_error.set(note),
            *models.stamp(item, moment),
        ],
    )
    if opened:
        announce(item, HALF_OPEN, OPEN, "probe failed", int(item.failures))
    return opened


def _open_at_threshold(item: BreakerItem, policy: BreakerPolicy, moment: float) -> bool:
    """Open a breaker whose window reached the threshold, while still closed in that window
    (another instance may have opened it, or started a new window). False on a lost race."""
    opened = models.write(
        item,
        [
            BreakerItem.state.set(OPEN),
            BreakerItem.opened_at.set(models.as_datetime(moment)),
            *models.stamp(item, moment),
        ],
        condition=(BreakerItem.state == CLOSED)
        & (BreakerItem.last_failure_at == item.last_failure_at)
        & (BreakerItem.failures >= policy.failure_threshold),
        versioned=False,
    )
    if opened:
        announce(item, CLOSED, OPEN, "threshold", int(item.failures))
    return opened
