"""(o) Knowledge search, in an interpreter of its own over emulated AWS
(`python -m bench.knowledge <big> <searches>`):

Two teams, one with 100 entries and one with `<big>` (100,000 by default), generated from
the same vocabulary. Each team's index is loaded in bulk through the indexer's own
rebuild (`shared.knowledge.indexer.rebuild`: one base segment, what a rebuild or a merge
writes), then a few entries are added through `POST /knowledge` and applied by the
knowledge_indexer through the local pump, so each index is as a live team's is: a base
and a small delta. Timed: `GET /knowledge?search=<two words>&limit=10` through the local
gateway (auth, the pointer's GetItem, the SQLite query over both segments, the answer),
queries drawn from each team's own entries (every one matches), in blocks taken in
turn; p50 of each and their ratio (target <= 2x). Also: the bulk load's time and the
base's size, and the search's SQLite part alone.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import percentile, run_child
from bench.report import Check, Table, mb, ms, us

MAX_GROWTH = 2.0  # search p50 with the big team over p50 with the small one
SMALL = 100
DEFAULT_BIG = 100_000
DEFAULT_SEARCHES = 400
BLOCK = 50
WARMUP = 30
LIVE_ADDS = 20  # entries added through the API after the bulk load: the delta
VOCABULARY = 5_000
TITLE_WORDS = 6
CONTENT_WORDS = 60
CATEGORIES = 10
TAGS = 50
USER = "benchknowledgeuser"


def _environment() -> Any:
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": "factory-bench-knowledge",
            "ARTIFACTS_BUCKET": "factory-bench-knowledge-artifacts",
            "EVENT_BUS_NAME": "factory-bench-knowledge-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from shared.settings import get_settings

    return get_settings()


def _words(rng: random.Random) -> list[str]:
    """Pronounceable made-up words (distinct, none an English stop word or stem of another)."""
    consonants, vowels = "bcdfghjklmnprstvz", "aeiou"
    found: dict[str, None] = {}
    while len(found) < VOCABULARY:
        word = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(3))
        found[word] = None
    return list(found)


def _entries(team_id: str, count: int, seed: int) -> Iterator[Any]:
    """`count` entries of the team, the same distribution whatever `count` is."""
    from shared.knowledge.domain import Entry

    rng = random.Random(seed)  # noqa: S311 - reproducible entries, no secrets
    vocabulary = _words(random.Random(0))  # noqa: S311
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(count):
        at = start + timedelta(seconds=n)
        yield Entry(
            team_id=team_id,
            id=f"BENCH{n:021d}",
            title=" ".join(rng.choices(vocabulary, k=TITLE_WORDS)).capitalize(),
            content=" ".join(rng.choices(vocabulary, k=CONTENT_WORDS)) + ".",
            category=f"category-{rng.randrange(CATEGORIES)}",
            tags=tuple(f"tag-{t}" for t in sorted(rng.sample(range(TAGS), 2))),
            source="",
            created_by=USER,
            created_at=at,
            updated_at=at,
        )


def _queries(team_id: str, count: int, searches: int, seed: int) -> list[str]:
    """Two words of one of the team's entries (a title word and a content word) each."""
    rng = random.Random(seed + 1)  # noqa: S311 - reproducible queries
    chosen = sorted(rng.sample(range(count), min(searches, count)))
    wanted = set(chosen)
    entries = {n: e for n, e in enumerate(_entries(team_id, count, seed)) if n in wanted}
    queries = []
    for n in range(searches):
        entry = entries[chosen[n % len(chosen)]]
        queries.append(f"{rng.choice(entry.title.split())} {rng.choice(entry.content.split())}")
    return queries


def _search(http: Any, headers: dict[str, str], query: str) -> float:
    started = time.perf_counter()
    answer = http.get("/api/v1/knowledge", headers=headers, params={"search": query, "limit": 10})
    elapsed = time.perf_counter() - started
    if answer.status_code != 200 or not answer.json()["items"]:
        raise RuntimeError(f"search {query!r} answered {answer.status_code}: {answer.text[:300]}")
    return elapsed


def _sqlite_only(team_id: str, queries: list[str]) -> float:
    """The search's SQLite part alone (the index open, no pointer read, no HTTP)."""
    from shared.knowledge import index, search, store

    opened = search._open(team_id, store.index_version(team_id))
    times = []
    for query in queries:
        match = index.match_expression(query)
        assert match is not None
        started = time.perf_counter()
        index.search(opened.connection, index.Query(match, depth=10), with_delta=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _knowledge_child(big: int, searches: int) -> dict[str, Any]:
    settings = _environment()
    from fastapi.testclient import TestClient

    from shared.auth.principal import Principal
    from shared.auth.tokens import issue_token
    from shared.knowledge import indexer, segments, store
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import LocalGateway, register_group_functions
    from tools.local.pump import LocalPump

    worlds: dict[str, dict[str, Any]] = {}
    with emulated_aws(settings):
        register_group_functions(settings)
        pump = LocalPump(settings)
        with TestClient(LocalGateway()) as http:  # type: ignore[arg-type]
            for label, count, seed in (("small", SMALL, 1), ("big", big, 2)):
                team = f"bench-knowledge-{label}"
                headers = {
                    "Authorization": "Bearer "
                    + issue_token(Principal(USER, team, "admin"), ttl_seconds=3600)
                }
                started = time.perf_counter()
                version = indexer.rebuild(team, _entries(team, count, seed))
                loaded = time.perf_counter() - started
                base_bytes = segments.local_path(team, version.base).stat().st_size
                for n in range(LIVE_ADDS):
                    answer = http.post(
                        "/api/v1/knowledge",
                        headers=headers,
                        json={"title": f"Live entry {n}", "content": "added through the API"},
                    )
                    if answer.status_code != 201:
                        raise RuntimeError(f"POST /knowledge answered {answer.status_code}")
                pump.drain()
                if store.index_version(team).delta_changes != LIVE_ADDS:
                    raise RuntimeError("the live entries did not reach the delta")
                queries = _queries(team, count, searches, seed)
                worlds[label] = {
                    "team": team,
                    "headers": headers,
                    "queries": queries,
                    "entries": count + LIVE_ADDS,
                    "load_seconds": loaded,
                    "base_bytes": base_bytes,
                    "times": [],
                }
            for world in worlds.values():
                for query in world["queries"][:WARMUP]:
                    _search(http, world["headers"], query)
            for start in range(0, searches, BLOCK):
                for world in worlds.values():
                    world["times"] += [
                        _search(http, world["headers"], query)
                        for query in world["queries"][start : start + BLOCK]
                    ]
            for world in worlds.values():
                world["sqlite"] = _sqlite_only(world["team"], world["queries"])
                del world["headers"], world["queries"]
    return {"worlds": worlds, "big": big}


@dataclass(frozen=True, slots=True)
class KnowledgeReport:
    worlds: dict[str, dict[str, Any]]
    big: int


def measure(big: int = DEFAULT_BIG, searches: int = DEFAULT_SEARCHES) -> KnowledgeReport:
    found = run_child("bench.knowledge", str(big), str(searches))
    return KnowledgeReport(found["worlds"], found["big"])


def table(report: KnowledgeReport) -> Table:
    out = Table(
        f"Knowledge search: GET /knowledge?search=, {SMALL} vs {report.big} entries",
        ["measure", "p50", "p99", "notes"],
    )
    for label in ("small", "big"):
        world = report.worlds[label]
        times = world["times"]
        out.rows.append(
            [
                f"search, {world['entries']} entries (base + {LIVE_ADDS} in the delta)",
                ms(statistics.median(times)),
                ms(percentile(times, 99)),
                f"SQLite part {us(world['sqlite'])}",
            ]
        )
    for label in ("small", "big"):
        world = report.worlds[label]
        out.rows.append(
            [
                f"bulk load of {world['entries'] - LIVE_ADDS} entries (indexer.rebuild)",
                f"{world['load_seconds']:.1f} s",
                "",
                f"base segment {mb(world['base_bytes'])}",
            ]
        )
    out.notes.append(
        "Entries from one made-up vocabulary of 5,000 words (titles of 6, contents of 60, "
        "10 categories, 2 of 50 tags each); each team's base loaded in bulk through the "
        f"indexer's rebuild, then {LIVE_ADDS} entries added through POST /knowledge and "
        "applied by the knowledge_indexer (the local pump): a base and a small delta. "
        "Queries: a title word and a content word of one of the team's own entries, so "
        "every search has answers; `limit=10`; through the local gateway in process, in "
        f"blocks of {BLOCK} taken in turn after {WARMUP} untimed searches each. The index's "
        "files are in this container's /tmp already (the writer published them here): a "
        "container that has not read the team's index yet downloads the base once."
    )
    return out


def checks(report: KnowledgeReport) -> list[Check]:
    small = statistics.median(report.worlds["small"]["times"])
    big = statistics.median(report.worlds["big"]["times"])
    growth = big / small
    return [
        Check(
            f"knowledge search p50, {report.big} entries vs {SMALL}",
            f"{growth:.2f}x ({ms(small)} vs {ms(big)})",
            f"<= {MAX_GROWTH}x",
            growth <= MAX_GROWTH,
        )
    ]


if __name__ == "__main__":
    size, count = (int(value) for value in sys.argv[1:3])
    print(json.dumps(_knowledge_child(size, count)))
