"""Rate limits' sliding logs: one item per limit and subject, the times of its latest hits.

    identity table:  pk = RATE#<scope>#<subject>   sk = <requests>/<window>s   log, expires_at

The limit is in the sort key, so a changed limit starts a new log. Each function is one
``UpdateItem``; the rules (what a log's times admit, when to trim) are shared.ratelimit's.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from pynamodb.expressions.condition import size

from shared.db.base import storage_errors
from shared.identity.models import RateCounterItem


def _log(scope: str, subject: str, limit: str) -> RateCounterItem:
    return RateCounterItem(f"RATE#{scope}#{subject}", limit)


def append_hit(
    scope: str, subject: str, limit: str, moment: float, expires_at: datetime
) -> list[float]:
    """Append `moment` to the subject's log under `limit` (``"<requests>/<window>s"``),
    move its expiry to `expires_at`, and answer the whole log, `moment` last.

    DynamoDB applies updates to an item one at a time: the log answered holds every hit
    stored before this one, whichever instance stored it."""
    log = _log(scope, subject, limit)
    with storage_errors("rate limit"):
        log.update(
            actions=[
                RateCounterItem.log.set((RateCounterItem.log | []).append([moment])),
                RateCounterItem.expires_at.set(expires_at),
            ]
        )
    # Numbers in a list of NumberAttribute (the stubs type them as attributes).
    return [float(at) for at in cast(list[float], log.log)]


def drop_oldest(scope: str, subject: str, limit: str, drop: int, seen: int) -> None:
    """Remove the first `drop` times of the log, on condition that it still holds at least
    the `seen` times it was read with. Conflict when it no longer does; ServiceUnavailable
    when storage cannot answer."""
    with storage_errors("rate limit"):
        _log(scope, subject, limit).update(
            actions=[RateCounterItem.log[index].remove() for index in range(drop)],
            condition=size(RateCounterItem.log) >= seen,
        )
