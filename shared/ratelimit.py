"""Rate limits shared by every Lambda instance: fixed-window counters in DynamoDB.

One atomic ``ADD`` per hit on ``RATE#<scope>#<subject>`` / ``<window start>`` answers the
new count, so any number of concurrent instances agree; the item expires by TTL shortly
after its window. Over the limit is ``RateLimited`` (429 with ``Retry-After``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request

from shared.db.base import storage_errors
from shared.errors import RateLimited
from shared.identity.models import RateCounterItem


@dataclass(frozen=True, slots=True)
class Limit:
    scope: str
    requests: int
    window_seconds: int

    def hit(self, subject: str, now: float | None = None) -> int:
        """Count one request by `subject`; RateLimited once over the limit. The new count."""
        moment = time.time() if now is None else now
        window = int(moment // self.window_seconds) * self.window_seconds
        counter = RateCounterItem(f"RATE#{self.scope}#{subject}", str(window))
        with storage_errors("rate limit"):
            counter.update(
                actions=[
                    RateCounterItem.hits.add(1),
                    # Kept a window past its end: clocks of instances differ a little.
                    RateCounterItem.expires_at.set(
                        datetime.fromtimestamp(window + 2 * self.window_seconds, UTC)
                    ),
                ]
            )
        hits = int(counter.hits)
        if hits > self.requests:
            retry_after = math.ceil(window + self.window_seconds - moment)
            raise RateLimited(retry_after, f"Too many requests; retry in {retry_after} s")
        return hits


def client_ip(request: Request) -> str:
    """The caller's address: API Gateway's sourceIp (Mangum puts it in the scope's client)."""
    return request.client.host if request.client else "unknown"


def per_ip(limit: Limit) -> Callable[[Request], None]:
    """A route dependency: `limit` per client address."""

    def dependency(request: Request) -> None:
        limit.hit(client_ip(request))

    return dependency
