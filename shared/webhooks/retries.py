"""When a delivery is tried: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h
after each failure (eight attempts over about 28 hours, as patient as the best webhook
services). A receiver's Retry-After (429, 503) is honoured: the next attempt waits at least
that long, up to the longest step of the schedule.

`RetrySchedule` is how any delivery (a notification's through a channel too) counts its
attempts; each keeps its own steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """The wait before each attempt of a series, in seconds: the first is immediate. A
    Retry-After longer than the longest wait is taken as that (a receiver cannot park us
    for days)."""

    seconds: tuple[int, ...]

    def next_attempt_at(
        self, position: int, failed_at: datetime, retry_after: int | None = None
    ) -> datetime | None:
        """When to try again after the `position`-th attempt of a series (1-based) failed
        at `failed_at`; None after the last."""
        if position >= len(self.seconds):
            return None
        wait = self.seconds[position]
        if retry_after is not None:
            wait = max(wait, min(retry_after, max(self.seconds)))
        return failed_at + timedelta(seconds=wait)


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
next_attempt_at = RetrySchedule(SCHEDULE_SECONDS).next_attempt_at
