"""The only code that reads or writes circuit breakers: items in, `Breaker`s out.

Each write is one conditional UpdateItem that answers the breaker as stored after it, or
None when another instance got there first (the caller re-reads and decides again). A
write conditioned on the version read fails too when an item appeared where none was read.
The router reads breakers in its own batch: `item_key` names the item, `from_read` finds it
in the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.errors import Conflict
from shared.llm.breaker.domain import CLOSED, HALF_OPEN, OPEN, Breaker
from shared.llm.breaker.models import BreakerItem, breaker_key, item_key

__all__ = [
    "add_failure",
    "clear_failures",
    "close",
    "first_failure",
    "force_open",
    "from_read",
    "item_key",
    "open_at_threshold",
    "probe",
    "read",
    "read_team",
    "reopen",
]


def from_read(found: Mapping[Any, Any], team_id: str, provider: str) -> Breaker:
    """The breaker in the answer to a batch read that asked for its `item_key` (a blank
    one when nothing is stored)."""
    stored: BreakerItem | None = found.get(item_key(team_id, provider))
    return _breaker(stored) if stored is not None else Breaker(team_id, provider)


def read(team_id: str, provider: str, *, consistent: bool = False) -> Breaker:
    """The stored breaker, or a blank one when there is none."""
    found = get_or_none(
        BreakerItem, team_partition(team_id), breaker_key(provider), consistent=consistent
    )
    return _breaker(found) if found is not None else Breaker(team_id, provider)


def read_team(team_id: str) -> list[Breaker]:
    """The team's stored breakers, by provider name (one Query on the team's partition)."""
    with storage_errors("circuit breaker"):
        return [
            _breaker(item)
            for item in BreakerItem.query(
                team_partition(team_id), BreakerItem.sk.startswith(breaker_key())
            )
        ]


def probe(breaker: Breaker, moment: float) -> Breaker | None:
    """Half-open with a probe started now (an open breaker's cooldown is over, or the last
    probe never reported back), if the breaker is as read."""
    return _write(
        breaker,
        moment,
        [BreakerItem.state.set(HALF_OPEN), BreakerItem.probe_started_at.set(as_datetime(moment))],
    )


def close(breaker: Breaker, moment: float) -> Breaker | None:
    """Closed with a clean count, not forced, if the breaker is as read: the next failure
    starts a new window."""
    return _write(
        breaker,
        moment,
        [
            BreakerItem.state.set(CLOSED),
            BreakerItem.failures.set(0),
            BreakerItem.forced.set(False),
            BreakerItem.last_failure_at.remove(),
            BreakerItem.opened_at.remove(),
            BreakerItem.probe_started_at.remove(),
        ],
    )


def clear_failures(breaker: Breaker, moment: float) -> Breaker | None:
    """Forget the failures counted, while the breaker is still closed (whatever its
    version: a success needs no exact count)."""
    return _write(
        breaker,
        moment,
        [BreakerItem.failures.set(0), BreakerItem.last_failure_at.remove()],
        condition=BreakerItem.state == CLOSED,
        versioned=False,
    )


def add_failure(breaker: Breaker, note: str, moment: float) -> Breaker | None:
    """One failure more on the count read, while closed. Conditioned on the state and the
    last failure read, not the version: another instance's failure meanwhile makes this one
    re-read and count on that one."""
    return _write(
        breaker,
        moment,
        [
            BreakerItem.failures.add(1),
            BreakerItem.last_failure_at.set(as_datetime(moment)),
            BreakerItem.last_error.set(note),
        ],
        condition=(BreakerItem.state == CLOSED)
        & (BreakerItem.last_failure_at == breaker.last_failure_at),
        versioned=False,
    )


def first_failure(breaker: Breaker, note: str, moment: float) -> Breaker | None:
    """Closed with a count of 1, if the breaker is as read (no other failure since)."""
    return _write(
        breaker,
        moment,
        [
            BreakerItem.state.set(CLOSED),
            BreakerItem.failures.set(1),
            BreakerItem.last_failure_at.set(as_datetime(moment)),
            BreakerItem.last_error.set(note),
        ],
    )


def reopen(breaker: Breaker, note: str, moment: float) -> Breaker | None:
    """Open again with a new cooldown (the probe failed), if the breaker is as read."""
    return _write(
        breaker,
        moment,
        [
            BreakerItem.state.set(OPEN),
            BreakerItem.opened_at.set(as_datetime(moment)),
            BreakerItem.probe_started_at.remove(),
            BreakerItem.failures.add(1),
            BreakerItem.last_error.set(note),
        ],
    )


def open_at_threshold(breaker: Breaker, threshold: int, moment: float) -> Breaker | None:
    """Open, while still closed on the count read and at least `threshold` (another
    instance may have opened it, or started a new window)."""
    return _write(
        breaker,
        moment,
        [BreakerItem.state.set(OPEN), BreakerItem.opened_at.set(as_datetime(moment))],
        condition=(BreakerItem.state == CLOSED)
        & (BreakerItem.last_failure_at == breaker.last_failure_at)
        & (BreakerItem.failures >= threshold),
        versioned=False,
    )


def force_open(breaker: Breaker, moment: float) -> Breaker | None:
    """Held open by an operator, if the breaker is as read; an open breaker keeps the time
    it opened."""
    actions: list[Action] = [
        BreakerItem.state.set(OPEN),
        BreakerItem.forced.set(True),
        BreakerItem.probe_started_at.remove(),
    ]
    if breaker.state != OPEN:
        actions.append(BreakerItem.opened_at.set(as_datetime(moment)))
    return _write(breaker, moment, actions)


def as_datetime(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


def _write(
    breaker: Breaker,
    moment: float,
    actions: list[Action],
    condition: Condition | None = None,
    *,
    versioned: bool = True,
) -> Breaker | None:
    """Apply `actions` and the stamp if `condition` holds (and, when `versioned`, the item
    is as read; an item never stored must still not exist). None when another instance got
    there first; otherwise the breaker as stored (UpdateItem answers it)."""
    item = BreakerItem(
        team_partition(breaker.team_id),
        breaker_key(breaker.provider),
        team_id=breaker.team_id,
        provider=breaker.provider,
    )
    if breaker.version is not None:
        item.version = breaker.version  # the version read, which the condition checks
    try:
        with storage_errors("circuit breaker"):
            item.update(
                actions=[*actions, *_stamp(breaker, moment)],
                condition=condition,
                add_version_condition=versioned,
            )
    except Conflict:  # storage_errors' name for a failed condition
        return None
    return _breaker(item)


def _stamp(breaker: Breaker, moment: float) -> list[Action]:
    """updated_at on every write; a write that creates the item (UpdateItem does) names it."""
    at = as_datetime(moment)
    actions: list[Action] = [BreakerItem.updated_at.set(at)]
    if breaker.version is None:
        actions += [
            BreakerItem.team_id.set(breaker.team_id),
            BreakerItem.provider.set(breaker.provider),
            BreakerItem.created_at.set(BreakerItem.created_at | at),
        ]
    return actions


def _breaker(item: BreakerItem) -> Breaker:
    return Breaker(
        team_id=item.team_id,
        provider=item.provider,
        state=item.current,
        failures=int(item.failures),
        last_failure_at=item.last_failure_at,
        opened_at=item.opened_at,
        probe_started_at=item.probe_started_at,
        last_error=item.last_error,
        forced=bool(item.forced),
        version=item.version,
        updated_at=item.updated_at,
    )
