"""Read, change, write on condition that the item is still as read; again on a lost race.

A write conditioned on the version read fails when another request wrote in between. That
request made progress, so the change is applied again to what it wrote; a change that
keeps losing is a Conflict (409) the caller can retry. A rule the change enforces (a
job that can no longer be cancelled) raises its own error and is never tried again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from shared.errors import Conflict

UPDATE_ATTEMPTS = 5


class LostRace(Exception):
    """The item changed between the read and the conditional write: read it again."""


def update_versioned[T, R](
    read: Callable[[], T],
    change: Callable[[T], R],
    *,
    what: str,
    attempts: int = UPDATE_ATTEMPTS,
) -> R:
    """`change(read())`, again on a fresh read while `change` raises LostRace; after
    `attempts` lost races, Conflict naming `what`."""
    for _ in range(attempts):
        current = read()
        try:
            return change(current)
        except LostRace:
            continue
    raise Conflict(f"{what} kept changing; try again")


@contextmanager
def lost_race() -> Iterator[None]:
    """Around a conditional write only: its Conflict (storage_errors' name for a failed
    condition) becomes LostRace."""
    try:
        yield
    except Conflict as exc:
        raise LostRace from exc
