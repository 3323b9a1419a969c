"""The rules every breaker operation shares: how long an open breaker waits, whether a
failure falls in the window, and the one event a transition publishes.

Only the instance that wins a transition's conditional write announces it.
"""

from __future__ import annotations

import re
import time

from shared.events import publish
from shared.llm.breaker.domain import CLOSED, HALF_OPEN, OPEN, Breaker, BreakerState
from shared.observability import logger

# Each lost race means another instance made progress; a few attempts settle any contention.
MAX_ATTEMPTS = 8
_LAST_ERROR_CHARS = 200
_EVENTS: dict[BreakerState, str] = {
    OPEN: "circuit_breaker.opened",
    HALF_OPEN: "circuit_breaker.half_opened",
    CLOSED: "circuit_breaker.closed",
}
_BEARER = re.compile(r"(?i)\bbearer\s+\S+")
_NAMED_SECRET = re.compile(r"(?i)\b(api[-_]?key|token|secret|password|authorization)\s*[:=]\s*\S+")
# Long runs of key characters with a digit in them: API keys, tokens, signatures.
_TOKEN_LIKE = re.compile(r"(?=[A-Za-z0-9_+/=-]*\d)[A-Za-z0-9_+/=-]{24,}")


def wait(breaker: Breaker, cooldown_seconds: float, moment: float) -> float | None:
    """Seconds until an open or half-open breaker lets a probe through (0: now); None when
    an operator holds it open."""
    if breaker.forced:
        return None
    started = breaker.opened_at if breaker.state == OPEN else breaker.probe_started_at
    if started is None:
        return 0.0
    return max(0.0, started.timestamp() + cooldown_seconds - moment)


def in_window(breaker: Breaker, window_seconds: float, moment: float) -> bool:
    """Whether `moment` is less than a window after the last counted failure."""
    last = breaker.last_failure_at
    return last is not None and moment < last.timestamp() + window_seconds


def announce(
    breaker: Breaker, before: BreakerState, after: BreakerState, reason: str, failures: int
) -> None:
    """The one event of a transition, published by the instance that won it."""
    detail = {
        "team_id": breaker.team_id,
        "provider": breaker.provider,
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


def short(error: str) -> str:
    """One line of at most 200 characters, with anything that looks like a credential removed
    (before cutting, so no part of one is kept)."""
    text = " ".join(error.split())
    text = _BEARER.sub("Bearer [redacted]", text)
    text = _NAMED_SECRET.sub(r"\1=[redacted]", text)
    text = _TOKEN_LIKE.sub("[redacted]", text)
    return text[:_LAST_ERROR_CHARS] or "unknown error"


def clock(now: float | None) -> float:
    return time.time() if now is None else now
