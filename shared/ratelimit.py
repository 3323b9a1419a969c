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
after its last hit. The log's reads and writes are shared.ratelimit_store's; this module
holds the rule.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request

from shared import ratelimit_store
from shared.errors import Conflict, RateLimited, ServiceUnavailable


@dataclass(frozen=True, slots=True)
class Limit:
    scope: str
    requests: int
    window_seconds: int

    def hit(self, subject: str, now: float | None = None) -> int:
        """Count one request by `subject`; RateLimited when `requests` came within the
        window before it. The hits in the window, this one included."""
        moment = time.time() if now is None else now
        times = ratelimit_store.append_hit(  # this hit's time is last
            self.scope,
            subject,
            self._label,
            moment,
            datetime.fromtimestamp(math.ceil(moment) + self.window_seconds, UTC),
        )
        if len(times) >= 2 * self.requests:
            self._trim(subject, len(times))
        edge = moment - self.window_seconds
        before = [at for at in times[-self.requests - 1 : -1] if at > edge]
        if len(before) >= self.requests:
            # The next hit gets through once the oldest of the last `requests` hits (this
            # one included) is a window old.
            retry_after = math.ceil(times[-self.requests] + self.window_seconds - moment)
            raise RateLimited(retry_after, f"Too many requests; retry in {retry_after} s")
        return len(before) + 1

    @property
    def _label(self) -> str:
        # The limit is in the log's key: a changed limit starts a new log.
        return f"{self.requests}/{self.window_seconds}s"

    def _trim(self, subject: str, seen: int) -> None:
        """Drop all but the last `requests` of the `seen` times. Conditional on the log
        being at least as long as seen: then, even if another hit trimmed it meanwhile,
        at least `requests` times were appended since, and the last `requests` stay."""
        try:
            ratelimit_store.drop_oldest(
                self.scope, subject, self._label, seen - self.requests, seen
            )
        except (Conflict, ServiceUnavailable):
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
