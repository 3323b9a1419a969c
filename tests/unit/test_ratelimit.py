"""Rate limits: one DynamoDB counter per window, shared by every instance."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.errors import RateLimited
from shared.identity.models import RateCounterItem
from shared.ratelimit import Limit

pytestmark = pytest.mark.usefixtures("aws")


def test_the_limit_admits_exactly_n_per_window_then_429_with_retry_after() -> None:
    limit = Limit("unit-exact", requests=3, window_seconds=60)
    start = 1_800_000_010.0  # 10 s into a window

    counts = [limit.hit("192.0.2.1", now=start + i) for i in range(3)]
    with pytest.raises(RateLimited) as refused:
        limit.hit("192.0.2.1", now=start + 5)

    assert counts == [1, 2, 3]
    assert refused.value.status_code == 429
    # The window ends 60 s after its start; 15 s in, 45 s remain.
    assert refused.value.headers["Retry-After"] == "45"


def test_a_new_window_starts_afresh_and_subjects_are_separate() -> None:
    limit = Limit("unit-window", requests=1, window_seconds=60)
    start = 1_800_000_000.0

    limit.hit("a", now=start)
    limit.hit("b", now=start)
    with pytest.raises(RateLimited):
        limit.hit("a", now=start + 59)

    assert limit.hit("a", now=start + 60) == 1


def test_concurrent_instances_share_one_count() -> None:
    # Many callers at once, as many Lambda instances would be: the atomic ADD lets exactly
    # `requests` of them through.
    limit = Limit("unit-concurrent", requests=10, window_seconds=60)
    now = 1_800_000_000.0

    def attempt(_: int) -> bool:
        try:
            limit.hit("198.51.100.1", now=now)
        except RateLimited:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        admitted = list(pool.map(attempt, range(25)))

    assert admitted.count(True) == 10


def test_counters_expire_by_ttl_after_their_window() -> None:
    limit = Limit("unit-ttl", requests=5, window_seconds=60)
    now = 1_800_000_000.0
    limit.hit("x", now=now)

    counter = RateCounterItem.get("RATE#unit-ttl#x", "1800000000")

    assert counter.expires_at is not None
    assert counter.expires_at.timestamp() == 1_800_000_000 + 120
