"""(o) Exports, in an interpreter of its own over emulated AWS
(`python -m bench.exports <small> <big>`):

`GET /exports/csv?type=costs`'s work (`shared.analytics.exports.export`: the ledger's calls
read by a paged Query, each row written to a file in /tmp, the file put in S3 and presigned)
for a team with `<small>` LLM calls and one with `<big>`, timed and its peak memory traced
by tracemalloc from the export's start (what was allocated and still held at the worst
moment: the page being read, the rows being written). A streamed export holds one page at a
time, so its peak does not grow with the rows.

The AWS answers are replayed to botocore (moto's work out of the path, as DynamoDB's and
S3's would be on Lambda). The small team's calls are stored in moto by batch writes and its
export run over moto once, its answers recorded. The big team's Query pages are built as
moto answered the small team's (the same wire format, checked page by page against the
recording for the small team's calls): moto re-reads and sorts the whole partition for each
page of a Query (30,000 calls took 190 s to export over it, 100,000 would take over half an
hour), so the big team is not stored in it.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
import tracemalloc
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import run_child
from bench.report import Check, Table, mb, ms

MAX_MEMORY_GROWTH = 1.2  # peak memory exporting `big` records over exporting `small`
DEFAULT_SMALL = 10_000
DEFAULT_BIG = 100_000
TIMED_RUNS = 3
SMALL_TEAM = "bench-exports-small"
BIG_TEAM = "bench-exports-big"
USER = "bench-exporter"


def _environment() -> Any:
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": "factory-bench-exports",
            "ARTIFACTS_BUCKET": "factory-bench-exports-artifacts",
            "EVENT_BUS_NAME": "factory-bench-exports-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from shared.settings import get_settings

    return get_settings()


def _items(team_id: str, count: int) -> list[Any]:
    """The team's `count` calls as the ledger stores them (the call item: the export reads
    nothing else), newest first as the export's Query reads them."""
    from shared.costs.models import CallItem, call_key, ledger_partition

    started = datetime(2027, 1, 1, tzinfo=UTC)
    partition = ledger_partition(team_id)
    items = []
    for n in range(count):
        at = started + timedelta(seconds=n)
        items.append(
            CallItem(
                partition,
                call_key(f"{n:026d}"),
                team_id=team_id,
                user_id=USER,
                agent_id="01JF3ZK1M2N3P4Q5R6S7T8V9W0",
                job_id="01JF3ZK1M2N3P4Q5R6S7T8V9W1",
                provider="openai",
                model="gpt-4o-mini",
                tokens_in=1000 + n % 500,
                tokens_out=200 + n % 50,
                input_price_per_million=0.15,
                output_price_per_million=0.6,
                cost_micros=270 + n % 97,
                at=at,
                created_at=at,
                updated_at=at,
            )
        )
    items.reverse()
    return items


def _seed(items: list[Any]) -> None:
    """Stored in moto 25 to a BatchWriteItem (one call at a time would time the seeding)."""
    from shared.costs.models import CallItem

    with CallItem.batch_write() as batch:
        for item in items:
            batch.save(item)


def _pages(items: list[Any], template: Any) -> list[tuple[str, Any]]:
    """The Query answers DynamoDB gives the export for `items` (pages of PAGE_ITEMS, each
    naming the last key read but the last), with the recorded answer's status and
    headers."""
    from shared.analytics.export_store import COST_ATTRIBUTES, PAGE_ITEMS

    status, headers, _ = template[1]
    pages = []
    for start in range(0, len(items), PAGE_ITEMS):
        chunk = [
            {name: value for name, value in item.serialize().items() if name in COST_ATTRIBUTES}
            for item in items[start : start + PAGE_ITEMS]
        ]
        body: dict[str, Any] = {"Count": len(chunk), "Items": chunk, "ScannedCount": len(chunk)}
        if start + PAGE_ITEMS < len(items):
            key = items[start + PAGE_ITEMS - 1]
            body["LastEvaluatedKey"] = {"pk": {"S": key.pk}, "sk": {"S": key.sk}}
        raw = json.dumps(body).encode()
        # botocore checks DynamoDB's checksum of the body it was sent.
        page_headers = {k: v for k, v in headers.items() if k.lower() != "x-amz-crc32"}
        page_headers["x-amz-crc32"] = str(zlib.crc32(raw))
        pages.append((template[0], (status, page_headers, raw)))
    return pages


def _page_items(answer: Any) -> list[Any]:
    return list(json.loads(answer[1][2])["Items"])


def _export(team_id: str) -> Any:
    from shared.analytics.exports import LinkedExport, export

    done = export(team_id, "csv", "costs")
    if not isinstance(done, LinkedExport):
        raise RuntimeError("the export was answered inline: too few records to go to S3")
    return done


def _timed(team_id: str) -> tuple[float, Any]:
    started = time.perf_counter()
    done = _export(team_id)
    return time.perf_counter() - started, done


def _peak(team_id: str) -> int:
    """The export's peak of traced memory, counted from its start."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        _export(team_id)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _replayed(answers: Any, team_id: str, count: int, moto: float | None) -> dict[str, Any]:
    """The export timed and traced with `answers.sent` replayed to botocore."""
    misses = answers.misses
    times, peaks = [], []
    for _ in range(TIMED_RUNS):
        with answers.replaying("botocore"):
            elapsed, done = _timed(team_id)
        times.append(elapsed)
    for _ in range(TIMED_RUNS):
        with answers.replaying("botocore"):
            peaks.append(_peak(team_id))
    operations = [operation for operation, _ in answers.sent]
    if done.rows != count:
        raise RuntimeError(f"the export wrote {done.rows} rows of {count}")
    return {
        "records": count,
        "rows": done.rows,
        "bytes": done.bytes,
        "moto": moto,
        "replayed": statistics.median(times),
        "peak": max(peaks),
        "queries": sum(1 for operation in operations if operation.endswith(".Query")),
        "misses": answers.misses - misses,
    }


def _exports_child(small: int, big: int) -> dict[str, Any]:
    settings = _environment()
    from bench.events import RecordedAnswers
    from shared.analytics import exports
    from tools.local.emulator import emulated_aws

    # One object key per team, so that the recorded PutObject answers every replay's.
    exports.new_id = lambda: "01JF3ZK1M2N3P4Q5R6S7T8V9XP"  # type: ignore[assignment]
    with emulated_aws(settings):
        answers = RecordedAnswers().install()
        small_items = _items(SMALL_TEAM, small)
        started = time.perf_counter()
        _seed(small_items)
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        answers.record(lambda: _export(SMALL_TEAM))
        moto = time.perf_counter() - started
        queries = [answer for answer in answers.sent if answer[0].endswith(".Query")]
        built = _pages(small_items, queries[0])
        same = [_page_items(a) for a in queries] == [_page_items(b) for b in built]
        worlds = {"small": _replayed(answers, SMALL_TEAM, small, moto)}
        del small_items, queries, built
        # The big team: its PutObject recorded over moto (a few calls stored), its Query
        # pages built.
        _seed(_items(BIG_TEAM, 3))
        inline = exports.INLINE_BYTES
        exports.INLINE_BYTES = 0
        answers.record(lambda: _export(BIG_TEAM))
        exports.INLINE_BYTES = inline
        [query] = [answer for answer in answers.sent if answer[0].endswith(".Query")]
        rest = [answer for answer in answers.sent if not answer[0].endswith(".Query")]
        answers.sent = _pages(_items(BIG_TEAM, big), query) + rest
        worlds["big"] = _replayed(answers, BIG_TEAM, big, None)
        answers.sent = []
    return {"worlds": worlds, "seed_seconds": seeded, "pages_match": same}


@dataclass(frozen=True, slots=True)
class ExportsReport:
    worlds: dict[str, dict[str, Any]]
    seed_seconds: float
    pages_match: bool


def measure(small: int = DEFAULT_SMALL, big: int = DEFAULT_BIG) -> ExportsReport:
    found = run_child("bench.exports", str(small), str(big))
    return ExportsReport(found["worlds"], found["seed_seconds"], found["pages_match"])


def table(report: ExportsReport) -> Table:
    small, big = report.worlds["small"], report.worlds["big"]
    out = Table(
        f"Exports: GET /exports/csv?type=costs, {small['records']:,} vs {big['records']:,} "
        "cost records",
        ["records", "file", "requests", "over moto", "replayed", "per 1,000 rows", "peak memory"],
    )
    for world in (small, big):
        out.rows.append(
            [
                f"{world['records']:,}",
                mb(world["bytes"]),
                f"{world['queries']} Query + S3 PutObject",
                "" if world["moto"] is None else ms(world["moto"]),
                ms(world["replayed"]),
                ms(world["replayed"] / world["rows"] * 1000),
                mb(world["peak"]),
            ]
        )
    out.notes.append(
        "shared.analytics.exports.export(team, 'csv', 'costs') in its own interpreter over "
        "emulated AWS: the ledger's calls read by one paged Query (1,000 items a page), each "
        "row written to a file in /tmp as it is read, the file put in S3 with one streamed "
        f"PUT and a presigned GET made; {TIMED_RUNS} runs with the answers replayed to "
        f"botocore (the median time), {TIMED_RUNS} under tracemalloc (the highest peak, "
        f"counted from the export's start). The small team's calls were stored by batch "
        f"writes ({report.seed_seconds:.0f} s, not timed) and its export run over moto once "
        "(its answers recorded); the big team's Query pages are built in the wire format "
        "moto answered the small team's with ("
        + ("the same pages, checked" if report.pages_match else "**pages differ**")
        + "): moto sorts the whole partition for every page, so 100,000 calls would take "
        "over half an hour to export over it."
    )
    return out


def checks(report: ExportsReport) -> list[Check]:
    small, big = report.worlds["small"], report.worlds["big"]
    growth = big["peak"] / small["peak"]
    replayed = not (small["misses"] or big["misses"]) and report.pages_match
    return [
        Check(
            f"csv export peak memory, {big['records']:,} cost records vs {small['records']:,}",
            f"{growth:.2f}x ({mb(small['peak'])} vs {mb(big['peak'])}; "
            f"{ms(small['replayed'])} vs {ms(big['replayed'])})",
            f"<= {MAX_MEMORY_GROWTH}x",
            growth <= MAX_MEMORY_GROWTH and replayed,
        ),
    ]


if __name__ == "__main__":
    first, second = (int(value) for value in sys.argv[1:3])
    print(json.dumps(_exports_child(first, second)))
