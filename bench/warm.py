"""(b) Warm time per request through the Lambda handler (Mangum and everything inside it).

Worker processes that each serve one scenario (see ``bench.worker``) take turns, one
block of calls each, so that machine noise spreads over every scenario alike.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from bench.common import ChildProcess, child_env, percentile
from bench.report import Check, Table, ratio, us
from bench.scenarios import SCENARIOS, Scenario

# Untimed calls at the start of every block. A worker resuming after the others ran finds
# its CPU caches evicted: its first calls took 3x, 2x and 1.4x the p50 on the 2-core
# machine, and with small blocks those would be most of the p99. That is an artefact of
# taking turns, not a tail of the handler, so each block re-warms first.
REWARM = 5


@dataclass(slots=True)
class WarmResult:
    scenario: Scenario
    ns: list[int] = field(default_factory=list)
    calls_made: int = 0  # untimed calls included
    lifespan_cycles: int = 0
    mangum_lifespan: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    def pct(self, pct: float) -> float:
        """A percentile of the per-call time, in seconds."""
        return percentile(self.ns, pct) / 1e9


class Worker(ChildProcess):
    """A warm worker (bench.worker) serving one scenario."""

    def __init__(self, scenario: Scenario, warmup: int) -> None:
        self.scenario = scenario
        super().__init__(
            f"worker {scenario.name!r}",
            ["-m", "bench.worker", scenario.name, str(warmup)],
            child_env(),
        )


def measure(
    calls: int,
    *,
    block: int,
    warmup: int,
    processes: int = 2,
    rewarm: int = REWARM,
    progress: bool = True,
) -> list[WarmResult]:
    """`calls` timed calls per scenario, spread over `processes` workers per scenario.

    Several processes per scenario average out what is fixed per process (hash seed,
    memory layout); small blocks, taken in turn, spread machine noise over all scenarios.
    Each block starts with `rewarm` untimed calls (see REWARM).
    """
    results = {scenario.name: WarmResult(scenario) for scenario in SCENARIOS}
    workers: list[Worker] = []
    try:
        # Start (import + warm up) one at a time: start-up must not overlap a measured block.
        for _ in range(processes):
            for scenario in SCENARIOS:
                worker = Worker(scenario, warmup)
                workers.append(worker)
                results[scenario.name].unexpected += worker.read()["unexpected"]
        per_worker = -(-calls // processes)
        rounds = -(-per_worker // block)
        for round_ in range(rounds):
            count = min(block, per_worker - round_ * block)
            # Rotate who goes first, so that no scenario always follows the same one.
            shift = round_ % len(workers)
            for worker in workers[shift:] + workers[:shift]:
                results[worker.scenario.name].ns += worker.send(f"run {count} {rewarm}")["ns"]
            if progress and ((round_ + 1) % 10 == 0 or round_ + 1 == rounds):
                print(f"  warm: round {round_ + 1}/{rounds}", file=sys.stderr, flush=True)
        for worker in workers:
            final = worker.send("stop")
            result = results[worker.scenario.name]
            result.calls_made += final["calls"]
            result.lifespan_cycles += final["lifespan_cycles"]
            result.mangum_lifespan = sorted({*result.mangum_lifespan, *final["mangum_lifespan"]})
            result.unexpected = list(dict.fromkeys(result.unexpected + final["unexpected"]))
    finally:
        for worker in workers:
            worker.close()
    return list(results.values())


def _baseline(result: WarmResult, by_name: dict[str, WarmResult]) -> WarmResult | None:
    name = result.scenario.baseline
    return by_name.get(name) if name else None


def table(results: list[WarmResult]) -> Table:
    by_name = {result.scenario.name: result for result in results}
    out = Table(
        "Warm request through the Lambda handler (per call)",
        ("scenario", "p50", "p99", "p99 / p50", "p50 vs baseline", "lifespan runs"),
    )
    for result in results:
        base = _baseline(result, by_name)
        p50, p99 = result.pct(50), result.pct(99)
        out.rows.append(
            (
                result.scenario.name,
                us(p50),
                us(p99),
                ratio(p99, p50),
                f"{ratio(p50, base.pct(50))} {base.scenario.name}" if base else "(baseline)",
                f"{result.lifespan_cycles} in {result.calls_made} calls",
            )
        )
    count = len(results[0].ns)
    out.notes.append(
        f"{count} timed calls per scenario, after a warm-up, in small interleaved blocks (each "
        "after a few untimed calls) over worker processes that each serve one scenario; "
        "handler(event, context) with an API Gateway v2 event; lifespan runs: Mangum lifespan "
        "cycles over all calls, untimed ones included."
    )
    return out


def checks(results: list[WarmResult]) -> list[Check]:
    by_name = {result.scenario.name: result for result in results}
    found: list[Check] = []
    for result in results:
        scenario, p50 = result.scenario, result.pct(50)
        base = _baseline(result, by_name)
        limit = scenario.max_p50_vs_baseline
        if base is not None and limit is not None:
            found.append(
                Check(
                    f"warm {scenario.name} p50 vs {base.scenario.name} p50",
                    ratio(p50, base.pct(50)),
                    f"<= {limit:.2f}x",
                    p50 / base.pct(50) <= limit,
                )
            )
        if scenario.max_p99_vs_own_p50 is not None:
            limit = scenario.max_p99_vs_own_p50
            found.append(
                Check(
                    f"warm {scenario.name} p99 vs its p50",
                    ratio(result.pct(99), p50),
                    f"<= {limit:.2f}x",
                    result.pct(99) / p50 <= limit,
                )
            )
        found.append(
            Check(
                f"warm {scenario.name}: no Mangum lifespan per call",
                f"{result.lifespan_cycles} cycles in {result.calls_made} calls "
                f"(lifespan={','.join(result.mangum_lifespan) or '?'})",
                "0 cycles",
                result.lifespan_cycles == 0,
            )
        )
        if result.unexpected:
            found.append(
                Check(
                    f"warm {scenario.name}: status {scenario.expect_status}",
                    result.unexpected[0][:80],
                    str(scenario.expect_status),
                    False,
                )
            )
    return found
