"""Timing a list route through the local gateway: p50 over moto, and p50 with the call's
recorded AWS answers replayed to botocore (bench.events.RecordedAnswers), with the
requests and items the call read; shared by the benches of flat lists (tasks, products)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

LIST_CALLS = 60


def get_ok(http: Any, headers: dict[str, str], url: str, params: dict[str, str]) -> None:
    answer = http.get(url, headers=headers, params=params)
    if answer.status_code != 200:
        raise RuntimeError(f"GET {url} answered {answer.status_code}: {answer.text}")


def p50(
    http: Any,
    headers: dict[str, str],
    url: str,
    params: dict[str, str],
    replay: Callable[[], AbstractContextManager[None]] = nullcontext,
) -> float:
    times = []
    for _ in range(LIST_CALLS):
        with replay():
            started = time.perf_counter()
            get_ok(http, headers, url, params)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def list_figures(
    http: Any, answers: Any, headers: dict[str, str], url: str, params: dict[str, str]
) -> dict[str, float]:
    """p50 over moto, and p50 with the call's AWS answers replayed to botocore (what the
    function spends on Lambda, where DynamoDB reads one page whatever the partition holds:
    moto's Query walks every item under the key before it applies the limit); the items
    the call's requests read (ScannedCount, as DynamoDB would bill them)."""
    p50(http, headers, url, params)  # warm
    moto = p50(http, headers, url, params)
    answers.record(lambda: get_ok(http, headers, url, params))
    read = sum(
        int(parsed.get("ScannedCount", 0))
        + sum(len(items) for items in parsed.get("Responses", {}).values())
        for _, parsed in answers.parsed
        if isinstance(parsed, dict)
    )
    operations = [operation for operation, _ in answers.parsed]
    misses = answers.misses
    replayed = p50(http, headers, url, params, lambda: answers.replaying("botocore"))
    return {
        "moto": moto,
        "replayed": replayed,
        "read": read,
        "requests": len(operations),
        "misses": answers.misses - misses,
    }
