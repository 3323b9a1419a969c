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


Figures = dict[str, float]


def figure_rows(
    label: str, small: Figures, big: Figures, sizes: tuple[str, str]
) -> list[list[str]]:
    """A list call's table rows: p50 at each size, replayed and over moto, with the
    requests and items read. `sizes` names both sizes ("10 tasks", "10000 tasks")."""
    from bench.report import ms

    rows = []
    for mode, how in (("replayed", "answers replayed to botocore"), ("moto", "over moto")):
        growth = big[mode] / small[mode]
        rows.append([f"{label}, {sizes[0]}, {how}", ms(small[mode]), ""])
        rows.append([f"{label}, {sizes[1]}, {how} ({growth:.2f}x)", ms(big[mode]), ""])
    rows.append(
        [
            f"{label}: requests / items read, {sizes[0]} vs {sizes[1]}",
            f"{small['requests']:.0f} / {small['read']:.0f} vs "
            f"{big['requests']:.0f} / {big['read']:.0f}",
            "",
        ]
    )
    return rows


def flat_check(
    label: str,
    small: Figures,
    big: Figures,
    *,
    versus: str,
    max_growth: float,
    read_bound: int,
) -> Any:
    """The check of a list that must stay flat: the replayed p50's growth, the same
    requests at both sizes, and no more than `read_bound` items read."""
    from bench.report import Check

    growth = big["replayed"] / small["replayed"]
    flat = big["read"] <= read_bound and big["requests"] == small["requests"]
    return Check(
        f"{label} p50, {versus} (answers replayed to botocore)",
        f"{growth:.2f}x (over moto {big['moto'] / small['moto']:.2f}x; items read "
        f"{small['read']:.0f} vs {big['read']:.0f})",
        f"<= {max_growth}x, the same requests, <= {read_bound} items read",
        growth <= max_growth and flat and not (big["misses"] or small["misses"]),
    )
