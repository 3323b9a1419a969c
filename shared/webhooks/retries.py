"""When a delivery is tried: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h
after each failure (eight attempts over about 28 hours, as patient as the best webhook
services). A receiver's Retry-After (429, 503) is honoured: the next attempt waits at least
that long, up to the longest step of the schedule."""

from __future__ import annotations

from datetime import datetime, timedelta

# The wait before each attempt of a series, in seconds: the first is immediate.
SCHEDULE_SECONDS: tuple[int, ...] = (
    0,
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    10 * 3600,
)
ATTEMPTS = len(SCHEDULE_SECONDS)
# A Retry-After longer than this is taken as this (a receiver cannot park us for days).
MAX_RETRY_AFTER_SECONDS = max(SCHEDULE_SECONDS)


def next_attempt_at(
    position: int, failed_at: datetime, retry_after: int | None = None
) -> datetime | None:
    """When to try again after the `position`-th attempt of a series (1-based) failed at
    `failed_at`; None after the last."""
    if position >= ATTEMPTS:
        return None
    wait = SCHEDULE_SECONDS[position]
    if retry_after is not None:
        wait = max(wait, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return failed_at + timedelta(seconds=wait)
