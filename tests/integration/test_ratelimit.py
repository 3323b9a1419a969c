"""Rate limits: a sliding log per subject in DynamoDB, shared by every instance.

The clock is driven (`now=`): no test waits for real time.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.errors import RateLimited
from shared.identity.models import RateCounterItem
from shared.ratelimit import Limit

pytestmark = pytest.mark.usefixtures("aws")

START = 1_800_000_000.0  # a multiple of 60: where a fixed window would start


def admitted(limit: Limit, subject: str, at: list[float]) -> int:
    """How many of hits at the times `at` get through."""
    through = 0
    for moment in at:
        try:
            limit.hit(subject, now=moment)
        except RateLimited:
            continue
        through += 1
    return through


def test_the_limit_admits_n_in_a_window_then_429_with_retry_after() -> None:
    limit = Limit("unit-exact", requests=3, window_seconds=60)
    start = START + 10

    counts = [limit.hit("192.0.2.1", now=start + i) for i in range(3)]
    with pytest.raises(RateLimited) as refused:
        limit.hit("192.0.2.1", now=start + 5)

    assert counts == [1, 2, 3]
    assert refused.value.status_code == 429
    # The next hit gets through once the second of the three is a minute old: 61 s after
    # the first, 56 s from the refusal (the refused hit counts, the first has left by then).
    assert refused.value.headers["Retry-After"] == "56"
    assert limit.hit("192.0.2.1", now=start + 61) == 3


def test_twice_the_limit_across_a_window_edge_is_refused() -> None:
    # An agent token's limit, 20 per 60 s. Fixed windows let 40 through in 6 s here:
    # 20 in the last second of one window and 20 in the first seconds of the next.
    limit = Limit("unit-edge", requests=20, window_seconds=60)
    last_second = [START + 59 + i / 20 for i in range(20)]
    next_window = [START + 60 + i * 0.25 for i in range(20)]

    assert admitted(limit, "203.0.113.9", last_second) == 20
    assert admitted(limit, "203.0.113.9", next_window) == 0


def test_the_window_slides_hits_leave_it_a_window_after_they_came() -> None:
    limit = Limit("unit-slide", requests=2, window_seconds=60)
    limit.hit("a", now=START)
    limit.hit("a", now=START + 30)

    with pytest.raises(RateLimited):
        limit.hit("a", now=START + 59)
    # At +61 the first hit is over a minute old; the ones at +30 and +59 are not.
    with pytest.raises(RateLimited):
        limit.hit("a", now=START + 61)
    # At +119.5 only the refused one at +61 is within the minute.
    assert limit.hit("a", now=START + 119.5) == 2


def test_a_steady_caller_at_the_limit_is_never_refused() -> None:
    limit = Limit("unit-steady", requests=20, window_seconds=60)
    every_three_seconds = [START + 3 * i for i in range(100)]

    assert admitted(limit, "agent", every_three_seconds) == 100


def test_subjects_are_separate() -> None:
    limit = Limit("unit-subjects", requests=1, window_seconds=60)

    limit.hit("a", now=START)
    limit.hit("b", now=START)
    with pytest.raises(RateLimited) as refused:
        limit.hit("a", now=START + 59)

    assert refused.value.headers["Retry-After"] == "60"


def test_concurrent_instances_share_one_count() -> None:
    # Many callers at once, as many Lambda instances would be: the atomic ADD gives each
    # hit its own number, so exactly `requests` of them get through.
    limit = Limit("unit-concurrent", requests=10, window_seconds=60)

    def attempt(_: int) -> bool:
        try:
            limit.hit("198.51.100.1", now=START)
        except RateLimited:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        through = list(pool.map(attempt, range(25)))

    assert through.count(True) == 10


def test_a_hit_costs_one_request_and_a_trim_one_more_every_n_hits(
    dynamodb_calls: list[str],
) -> None:
    limit = Limit("unit-cost", requests=3, window_seconds=60)

    for i in range(6):
        limit.hit("x", now=START + 20 * i)

    # Admitted or refused, a hit is one UpdateItem (no read before the write); the sixth
    # finds six times stored and drops the three it no longer needs.
    assert dynamodb_calls == ["UpdateItem"] * 6 + ["UpdateItem"]
    stored = RateCounterItem.get("RATE#unit-cost#x", "3/60s").log
    assert [float(at) for at in stored] == [START + 60, START + 80, START + 100]


def test_the_log_stays_short_under_a_flood() -> None:
    limit = Limit("unit-flood", requests=5, window_seconds=60)

    assert admitted(limit, "botnet", [START + i / 100 for i in range(200)]) == 5

    assert len(RateCounterItem.get("RATE#unit-flood#botnet", "5/60s").log) < 10


def test_the_log_expires_by_ttl_a_window_after_its_last_hit() -> None:
    limit = Limit("unit-ttl", requests=5, window_seconds=60)
    limit.hit("x", now=START)
    limit.hit("x", now=START + 10.5)

    counter = RateCounterItem.get("RATE#unit-ttl#x", "5/60s")

    assert counter.expires_at is not None
    assert counter.expires_at.timestamp() == START + 11 + 60
    assert [float(at) for at in counter.log] == [START, START + 10.5]
