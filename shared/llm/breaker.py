"""Per-provider circuit breakers whose state lives in DynamoDB, so every Lambda instance agrees.

    closed ──threshold failures in a window──▶ open ──cooldown over──▶ half_open (one probe)
      ▲                                         ▲                          │
      └────────────── probe succeeded ──────────┼──────────────────────────┤
                                                └────── probe failed ──────┘

Each transition is an UpdateItem conditional on the version read (PynamoDB's default): of
many instances deciding the same transition exactly one wins, and the others re-read and
decide again. Three writes are conditioned on the state instead, so that another instance
counting a failure meanwhile cannot make them fail: counting a failure (an atomic ADD while
closed, in the window read), opening at the threshold (while still closed in that window)
and resetting the count after a success. Only the winner of a transition publishes its event.

The first read of each call is eventually consistent (half the cost, and the hot path); a
re-read after a lost race is strongly consistent. Every write is conditional, so a stale
first read can only cost a retry, or admit one call within a second of the breaker opening.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from pydantic import BaseModel, ConfigDict
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.versioned import LostRace, update_versioned
from shared.errors import Conflict
from shared.events import publish
from shared.llm.breaker_models import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    BreakerItem,
    BreakerState,
    breaker_key,
)
from shared.observability import logger

# Each lost race means another instance made progress; a few attempts settle any contention.
_MAX_ATTEMPTS = 8
_LAST_ERROR_CHARS = 200
_STATES: dict[str, BreakerState] = {CLOSED: CLOSED, OPEN: OPEN, HALF_OPEN: HALF_OPEN}
_EVENTS: dict[BreakerState, str] = {
    OPEN: "circuit_breaker.opened",
    HALF_OPEN: "circuit_breaker.half_opened",
    CLOSED: "circuit_breaker.closed",
}
_BEARER = re.compile(r"(?i)\bbearer\s+\S+")
_NAMED_SECRET = re.compile(r"(?i)\b(api[-_]?key|token|secret|password|authorization)\s*[:=]\s*\S+")
# Long runs of key characters with a digit in them: API keys, tokens, signatures.
_TOKEN_LIKE = re.compile(r"(?=[A-Za-z0-9_+/=-]*\d)[A-Za-z0-9_+/=-]{24,}")


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    failure_threshold: int = 5
    window_seconds: float = 60
    cooldown_seconds: float = 30

    def __post_init__(self) -> None:
        if self.failure_threshold < 1 or self.window_seconds <= 0 or self.cooldown_seconds <= 0:
            raise ValueError("a breaker needs a threshold of at least 1 and positive durations")


DEFAULT_POLICY = BreakerPolicy()


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    state: BreakerState
    # Seconds until a call may be tried again when refused; None when allowed or held open
    # by an operator (no cooldown ends a forced breaker).
    retry_after: float | None = None
    # Failures counted in the breaker as read.
    failures: int = 0

    @property
    def clean(self) -> bool:
        """Closed with no failure counted: `record_success` would read and change nothing,
        so a caller may skip it after a success."""
        return self.state == CLOSED and self.failures == 0


class BreakerSnapshot(BaseModel):
    """A breaker as the /circuit-breakers routes show it."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    provider: str
    state: BreakerState
    failures: int = 0
    opened_at: datetime | None = None
    retry_after: float | None = None
    forced: bool = False
    last_error: str | None = None
    updated_at: datetime | None = None


def allow(
    team_id: str, provider: str, policy: BreakerPolicy, *, now: float | None = None
) -> Decision:
    """May a call to `provider` go ahead? Once the cooldown is over one caller is the probe."""
    moment = _clock(now)
    item = _read(team_id, provider)
    for _ in range(_MAX_ATTEMPTS):
        state, failures = _state(item), int(item.failures)
        if state == CLOSED:
            return Decision(True, CLOSED, failures=failures)
        wait = _wait(item, policy, moment)
        if wait is None or wait > 0:
            return Decision(False, state, wait, failures)
        probe = [BreakerItem.probe_started_at.set(_at(moment)), *_stamp(item, moment)]
        if state == OPEN:
            if _write(item, [BreakerItem.state.set(HALF_OPEN), *probe]):
                _announce(item, OPEN, HALF_OPEN, "cooldown", failures)
                return Decision(True, HALF_OPEN, failures=failures)
        elif _write(item, probe):  # the last probe never reported back: replace it
            return Decision(True, HALF_OPEN, failures=failures)
        item = _read(team_id, provider, consistent=True)
    return Decision(False, _state(item), _wait(item, policy, moment), int(item.failures))


def record_success(team_id: str, provider: str, *, now: float | None = None) -> BreakerState:
    """A call succeeded: a half-open breaker closes; a closed one forgets its failures.
    The state after."""
    moment = _clock(now)
    item = _read(team_id, provider)
    for _ in range(_MAX_ATTEMPTS):
        state = _state(item)
        if state == OPEN:
            return OPEN  # a call let through before it opened; the probe decides
        if state == HALF_OPEN:
            failures = int(item.failures)
            if _write(item, [*_closing(), *_stamp(item, moment)]):
                _announce(item, HALF_OPEN, CLOSED, "probe succeeded", failures)
                return CLOSED
        elif not item.failures:
            return CLOSED  # the common path: nothing to reset, so no write
        elif _write(
            item,
            [
                BreakerItem.failures.set(0),
                BreakerItem.window_started_at.remove(),
                *_stamp(item, moment),
            ],
            condition=BreakerItem.state == CLOSED,
            versioned=False,
        ):
            return CLOSED
        item = _read(team_id, provider, consistent=True)
    return _state(item)


def record_failure(
    team_id: str, provider: str, error: str, policy: BreakerPolicy, *, now: float | None = None
) -> BreakerState:
    """A call failed: counted in the window while closed (opening at the threshold); a failed
    probe re-opens the breaker and restarts the cooldown. The state after.

    `error` is kept, shortened and with credential-like text removed: pass the error's
    kind and status ("RateLimited 429"), not a provider's response body."""
    moment = _clock(now)
    note = _short(error)
    item = _read(team_id, provider)
    counted = False
    for _ in range(_MAX_ATTEMPTS):
        state = _state(item)
        if state == OPEN:
            return OPEN  # a call let through before it opened: nothing to add
        if state == HALF_OPEN:
            if _write(
                item,
                [
                    BreakerItem.state.set(OPEN),
                    BreakerItem.opened_at.set(_at(moment)),
                    BreakerItem.probe_started_at.remove(),
                    BreakerItem.failures.add(1),
                    BreakerItem.last_error.set(note),
                    *_stamp(item, moment),
                ],
            ):
                _announce(item, HALF_OPEN, OPEN, "probe failed", int(item.failures))
                return OPEN
        elif not counted:
            counted = _count(item, note, policy, moment)
            if counted:
                continue  # the update answered the new count: decide on it without a read
        elif int(item.failures) < policy.failure_threshold or not _in_window(item, policy, moment):
            return CLOSED
        elif _write(
            item,
            [
                BreakerItem.state.set(OPEN),
                BreakerItem.opened_at.set(_at(moment)),
                *_stamp(item, moment),
            ],
            condition=(BreakerItem.state == CLOSED)
            & (BreakerItem.window_started_at == item.window_started_at)
            & (BreakerItem.failures >= policy.failure_threshold),
            versioned=False,
        ):
            _announce(item, CLOSED, OPEN, "threshold", int(item.failures))
            return OPEN
        item = _read(team_id, provider, consistent=True)
    return _state(item)


def force_open(team_id: str, provider: str, *, now: float | None = None) -> BreakerSnapshot:
    """Hold the breaker open, whatever its cooldown, until force_close or reset."""
    moment = _clock(now)

    def plan(item: BreakerItem) -> list[Action] | None:
        state = _state(item)
        if state == OPEN and item.forced:
            return None
        actions: list[Action] = [
            BreakerItem.state.set(OPEN),
            BreakerItem.forced.set(True),
            BreakerItem.probe_started_at.remove(),
        ]
        if state != OPEN:
            actions.append(BreakerItem.opened_at.set(_at(moment)))
        return actions

    return _operate(team_id, provider, moment, OPEN, "forced", plan)


def force_close(team_id: str, provider: str, *, now: float | None = None) -> BreakerSnapshot:
    """Close the breaker (and end a force-open); a closed one is left as it is."""
    moment = _clock(now)

    def plan(item: BreakerItem) -> list[Action] | None:
        return None if _state(item) == CLOSED else _closing()

    return _operate(team_id, provider, moment, CLOSED, "forced", plan)


def reset(team_id: str, provider: str, *, now: float | None = None) -> BreakerSnapshot:
    """Closed, no failures counted, not forced."""
    moment = _clock(now)

    def plan(item: BreakerItem) -> list[Action] | None:
        if _state(item) == CLOSED and not item.failures and not item.forced:
            return None
        return _closing()

    return _operate(team_id, provider, moment, CLOSED, "reset", plan)


def state_of(
    team_id: str,
    provider: str,
    policy: BreakerPolicy = DEFAULT_POLICY,
    *,
    now: float | None = None,
) -> BreakerSnapshot:
    """One breaker; a provider with no stored breaker is closed with no failures."""
    return _snapshot(_read(team_id, provider), policy, _clock(now))


def states(
    team_id: str, policy: BreakerPolicy = DEFAULT_POLICY, *, now: float | None = None
) -> list[BreakerSnapshot]:
    """The team's stored breakers, by provider name (one Query on the team's partition)."""
    moment = _clock(now)
    with storage_errors("circuit breaker"):
        items = list(
            BreakerItem.query(team_partition(team_id), BreakerItem.sk.startswith(breaker_key()))
        )
    return [_snapshot(item, policy, moment) for item in items]


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
        before, failures = _state(item), int(item.failures)
        actions = plan(item)
        if actions is None:
            return _snapshot(item, DEFAULT_POLICY, moment)
        if not _write(item, [*actions, *_stamp(item, moment)]):
            raise LostRace
        if before != to:
            _announce(item, before, to, reason, failures)
        return _snapshot(item, DEFAULT_POLICY, moment)

    # Rare, and should see the latest state: every read is consistent.
    read = partial(_read, team_id, provider, consistent=True)
    return update_versioned(read, change, what="circuit breaker", attempts=_MAX_ATTEMPTS)


def _count(item: BreakerItem, note: str, policy: BreakerPolicy, moment: float) -> bool:
    """Add one failure to the window read, or start a new window; False on a lost race."""
    if _in_window(item, policy, moment):
        return _write(
            item,
            [
                BreakerItem.failures.add(1),
                BreakerItem.last_error.set(note),
                *_stamp(item, moment),
            ],
            condition=(BreakerItem.state == CLOSED)
            & (BreakerItem.window_started_at == item.window_started_at),
            versioned=False,
        )
    # No window, or it is over: start one, unless another instance did since the read.
    return _write(
        item,
        [
            BreakerItem.state.set(CLOSED),
            BreakerItem.failures.set(1),
            BreakerItem.window_started_at.set(_at(moment)),
            BreakerItem.last_error.set(note),
            *_stamp(item, moment),
        ],
    )


def _closing() -> list[Action]:
    """Closed with a clean count: the next failure starts a new window."""
    return [
        BreakerItem.state.set(CLOSED),
        BreakerItem.failures.set(0),
        BreakerItem.forced.set(False),
        BreakerItem.window_started_at.remove(),
        BreakerItem.opened_at.remove(),
        BreakerItem.probe_started_at.remove(),
    ]


def _stamp(item: BreakerItem, moment: float) -> list[Action]:
    """updated_at on every write; a write that creates the item (UpdateItem does) names it."""
    at = _at(moment)
    actions: list[Action] = [BreakerItem.updated_at.set(at)]
    if item.version is None:
        actions += [
            BreakerItem.team_id.set(item.team_id),
            BreakerItem.provider.set(item.provider),
            BreakerItem.created_at.set(BreakerItem.created_at | at),
        ]
    return actions


def _write(
    item: BreakerItem,
    actions: list[Action],
    condition: Condition | None = None,
    *,
    versioned: bool = True,
) -> bool:
    """Apply `actions` if `condition` holds (and, when `versioned`, the item is as read;
    an item never stored must still not exist). False when another instance got there
    first; otherwise `item` now holds the item as stored (UpdateItem answers it)."""
    try:
        with storage_errors("circuit breaker"):
            item.update(actions=actions, condition=condition, add_version_condition=versioned)
    except Conflict:  # storage_errors' name for a failed condition
        return False
    return True


def _read(team_id: str, provider: str, *, consistent: bool = False) -> BreakerItem:
    """The stored breaker, or an unsaved closed one (version None) when there is none."""
    partition, key = team_partition(team_id), breaker_key(provider)
    stored = get_or_none(BreakerItem, partition, key, consistent=consistent)
    if stored is not None:
        return stored
    return BreakerItem(partition, key, team_id=team_id, provider=provider)


def _snapshot(item: BreakerItem, policy: BreakerPolicy, moment: float) -> BreakerSnapshot:
    state = _state(item)
    return BreakerSnapshot(
        provider=item.provider,
        state=state,
        failures=int(item.failures),
        opened_at=None if state == CLOSED else item.opened_at,
        retry_after=None if state == CLOSED else _wait(item, policy, moment),
        forced=bool(item.forced),
        last_error=item.last_error,
        updated_at=None if item.version is None else item.updated_at,
    )


def _announce(
    item: BreakerItem, before: BreakerState, after: BreakerState, reason: str, failures: int
) -> None:
    """The one event of a transition, published by the instance that won it."""
    detail = {
        "team_id": item.team_id,
        "provider": item.provider,
        "from": before,
        "to": after,
        "failures": failures,
        "reason": reason,
    }
    if after == OPEN:
        logger.warning("circuit breaker opened", extra=detail)
    else:
        logger.info("circuit breaker changed", extra=detail)
    publish(_EVENTS[after], detail)


def _wait(item: BreakerItem, policy: BreakerPolicy, moment: float) -> float | None:
    """Seconds until an open or half-open breaker lets a probe through (0: now); None when
    an operator holds it open."""
    if item.forced:
        return None
    started = item.opened_at if _state(item) == OPEN else item.probe_started_at
    if started is None:
        return 0.0
    return max(0.0, started.timestamp() + policy.cooldown_seconds - moment)


def _in_window(item: BreakerItem, policy: BreakerPolicy, moment: float) -> bool:
    started = item.window_started_at
    return started is not None and moment < started.timestamp() + policy.window_seconds


def _state(item: BreakerItem) -> BreakerState:
    return _STATES.get(item.state, CLOSED)


def _short(error: str) -> str:
    """One line of at most 200 characters, with anything that looks like a credential removed
    (before cutting, so no part of one is kept)."""
    text = " ".join(error.split())
    text = _BEARER.sub("Bearer [redacted]", text)
    text = _NAMED_SECRET.sub(r"\1=[redacted]", text)
    text = _TOKEN_LIKE.sub("[redacted]", text)
    return text[:_LAST_ERROR_CHARS] or "unknown error"


def _at(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


def _clock(now: float | None) -> float:
    return time.time() if now is None else now
