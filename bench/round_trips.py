"""One request that starts asynchronous work, timed until the work's result is read:
the tasks, chat and support sections' round trips share this loop, and the chat and
support sections their table and target.

The client waits on `Finished`, which the section's hook on the store's terminal write
marks, as a client woken by the completion's push would be; then one GET reads the
result. Warm-up rounds run first, untimed."""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from bench.common import percentile
from bench.report import Check, Table, ms

TIMEOUT = 30.0


class Finished:
    """Which pieces of work have ended, and a way to wait for one."""

    def __init__(self) -> None:
        self._ended: set[str] = set()
        self._changed = threading.Condition()

    def mark(self, work_id: str) -> None:
        with self._changed:
            self._ended.add(work_id)
            self._changed.notify_all()

    def wait(self, work_id: str, timeout: float = TIMEOUT) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: work_id in self._ended, timeout)


@dataclass
class RoundTrips:
    latencies: list[float] = field(default_factory=list)  # POST to the GET's answer
    posts: list[float] = field(default_factory=list)  # the POST alone
    lost: int = 0  # rounds whose GET did not answer `done_status`


def time_round_trips(
    http: Any,
    finished: Finished,
    *,
    headers: dict[str, str],
    post: str,
    body: dict[str, Any],
    accepted: int,
    id_field: str,
    get: str,
    done_status: str,
    count: int,
    warmup: int,
) -> RoundTrips:
    """`count` timed rounds (after `warmup` untimed ones), one at a time: POST `post` with
    `body` (answering `accepted`), wait for the work named by the answer's `id_field` to
    be marked finished, GET `get` (formatted with `id`) and check its `status`."""
    found = RoundTrips()
    for seq in range(-warmup, count):  # negative: warm-up, untimed
        started = time.perf_counter()
        answer = http.post(post, headers=headers, json=body)
        posted = time.perf_counter()
        if answer.status_code != accepted:
            raise RuntimeError(f"POST {post} answered {answer.status_code}: {answer.text}")
        work_id = answer.json()[id_field]
        finished.wait(work_id)
        result = http.get(get.format(id=work_id), headers=headers).json()
        ended = time.perf_counter()
        if seq < 0:
            continue
        if result.get("status") != done_status:
            found.lost += 1
        else:
            found.latencies.append(ended - started)
            found.posts.append(posted - started)
    return found


@dataclass(frozen=True, slots=True)
class RoundTripReport:
    """A section's timed rounds: each round's POST-to-result, its POST alone, what was lost."""

    latencies: list[float]
    posts: list[float]
    lost: int
    rounds: int


def round_trip_table(
    report: RoundTripReport, *, title: str, timed: str, posted: str, note: str
) -> Table:
    """The section's table: the round trip and its POST (p50, p99), the rounds lost."""
    out = Table(title, ["measure", "p50", "p99"])
    if report.latencies:
        for label, values in ((timed, report.latencies), (posted, report.posts)):
            out.rows.append([label, ms(statistics.median(values)), ms(percentile(values, 99))])
    out.rows.append(["lost", f"{report.lost} of {report.rounds}", ""])
    out.notes.append(note)
    return out


def round_trip_check(report: RoundTripReport, *, name: str, limit_seconds: float) -> Check:
    """The target: p50 within `limit_seconds` and no round lost."""
    latencies = report.latencies
    p50 = statistics.median(latencies) if latencies else None
    return Check(
        name,
        (
            f"{ms(p50)} (p99 {ms(percentile(latencies, 99))}; "
            if p50 is not None
            else "nothing answered ("
        )
        + f"{report.lost} lost)",
        f"<= {limit_seconds * 1000:.0f} ms, none lost",
        p50 is not None and p50 <= limit_seconds and report.lost == 0,
    )
