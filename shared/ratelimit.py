"""Rate limits shared by every Lambda instance: a sliding log in DynamoDB.

A limit of `requests` per `window_seconds` admits a hit when fewer than `requests` hits
(refused ones included, so hammering does not help) came in the window before it: at no
moment do more than `requests` get through in any `window_seconds`, across a window's edge
too (the fixed windows this replaced let twice the limit through in a few seconds there).

One request per hit: an ``UpdateItem`` appends the hit's time to the subject's log and
answers the whole log. DynamoDB applies updates to an item one at a time, so each hit
sees every hit stored before it, whichever instance stored it. Only the last `requests`
times matter; once the log holds twice that many, a second, conditional request drops
the older ones (at most one hit in `requests` pays it). The item expires by TTL a window
after its last hit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from fastapi import Request
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import size

from shared.db.base import storage_errors
from shared.errors import RateLimited
from shared.identity.models import RateCounterItem


@dataclass(frozen=True, slots=True)
class Limit:
    scope: str
    requests: int
    window_seconds: int

    def hit(self, subject: str, now: float | None = None) -> int:
        """Count one request by `subject`; RateLimited when `requests` came within the
        window before it. The hits in the window, this one included."""
        moment = time.time() if now is None else now
        # The limit is in the key: a changed limit starts a new log.
        log = RateCounterItem(
            f"RATE#{self.scope}#{subject}", f"{self.requests}/{self.window_seconds}s"
        )
        with storage_errors("rate limit"):
            log.update(
                actions=[
                    RateCounterItem.log.set((RateCounterItem.log | []).append([moment])),
                    RateCounterItem.expires_at.set(
                        datetime.fromtimestamp(math.ceil(moment) + self.window_seconds, UTC)
                    ),
                ]
            )
        # Numbers in a list of NumberAttribute (the stubs type them as attributes).
        times = [float(at) for at in cast(list[float], log.log)]  # this hit's is last
        if len(times) >= 2 * self.requests:
            self._trim(log, len(times))
        edge = moment - self.window_seconds
        before = [at for at in times[-self.requests - 1 : -1] if at > edge]
        if len(before) >= self.requests:
            # The next hit gets through once the oldest of the last `requests` hits (this
            # one included) is a window old.
            retry_after = math.ceil(times[-self.requests] + self.window_seconds - moment)
            raise RateLimited(retry_after, f"Too many requests; retry in {retry_after} s")
        return len(before) + 1

    def _trim(self, log: RateCounterItem, seen: int) -> None:
        """Drop all but the last `requests` of the `seen` times. Conditional on the log
        being at least as long as seen: then, even if another hit trimmed it meanwhile,
        at least `requests` times were appended since, and the last `requests` stay."""
        drop = seen - self.requests
        try:
            log.update(
                actions=[RateCounterItem.log[index].remove() for index in range(drop)],
                condition=size(RateCounterItem.log) >= seen,
            )
        except UpdateError:
            # Another hit trimmed first, or storage is briefly unavailable: the next
            # trim catches up; this hit's answer is already decided.
            return


def client_ip(request: Request) -> str:
    """The caller's address: API Gateway's sourceIp (Mangum puts it in the scope's client)."""
    return request.client.host if request.client else "unknown"


def per_ip(limit: Limit) -> Callable[[Request], None]:
    """A route dependency: `limit` per client address."""

    def dependency(request: Request) -> None:
        limit.hit(client_ip(request))

    return dependency
