"""(m) The sandbox's own overhead: a trivial agent run through the sandbox's runner (a
child process with its limits, namespace and audit hook, the code sent over a pipe, the
result read back, the process group killed and its directory removed) against the same
function compiled, run and its result serialized in this process.

Two sandbox figures: "spare ready" (the run takes a child started ahead, as a run that is
not the first in 20 ms does) and "back to back" (runs with no pause: each also waits for
the spare the previous one started). Deployed, the same runner is what the sandbox Lambda
function does on each invocation; the caller adds one synchronous Lambda invoke.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from typing import Any

from bench.common import percentile
from bench.report import Check, Table, ms, us

TARGET_RATIO = 10.0
CODE = "def run(input_dict, tools):\n    return {'sum': input_dict['a'] + input_dict['b']}\n"
INPUT = {"a": 1, "b": 2}
PAUSE_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class SandboxReport:
    in_process: list[float]
    spare_ready: list[float]
    back_to_back: list[float]


def _in_process() -> float:
    started = time.perf_counter()
    namespace: dict[str, Any] = {"__name__": "agent"}
    exec(compile(CODE, "<agent>", "exec", dont_inherit=True), namespace)  # noqa: S102 - ours
    json.dumps(namespace["run"](json.loads(json.dumps(INPUT)), None))
    return time.perf_counter() - started


def measure(runs: int) -> SandboxReport:
    from shared.sandbox import runner

    def sandboxed() -> float:
        started = time.perf_counter()
        outcome = runner.run(CODE, INPUT)
        elapsed = time.perf_counter() - started
        if outcome.value != {"sum": 3}:
            raise RuntimeError(f"the sandbox answered {outcome}")
        return elapsed

    try:
        for _ in range(3):
            sandboxed()
            _in_process()
        in_process = [_in_process() for _ in range(max(runs, 200))]
        spare_ready = []
        for _ in range(runs):
            time.sleep(PAUSE_SECONDS)  # the spare child's start, off the run's path
            spare_ready.append(sandboxed())
        back_to_back = [sandboxed() for _ in range(runs)]
    finally:
        runner.discard_spare()
    return SandboxReport(in_process, spare_ready, back_to_back)


def table(report: SandboxReport) -> Table:
    base = statistics.median(report.in_process)
    out = Table(
        "Sandbox: a trivial agent in a child process against the same function in-process",
        ["measure", "p50", "p99", "p50 / in-process"],
    )
    out.rows.append(
        [
            "in-process: compile, run, result as JSON",
            us(base),
            us(percentile(report.in_process, 99)),
            "1x",
        ]
    )
    for label, values in (
        (f"sandbox runner, spare ready ({len(report.spare_ready)} runs)", report.spare_ready),
        (f"sandbox runner, back to back ({len(report.back_to_back)} runs)", report.back_to_back),
    ):
        p50 = statistics.median(values)
        out.rows.append([label, ms(p50), ms(percentile(values, 99)), f"{p50 / base:.0f}x"])
    out.notes.append(
        "A fresh process per run is the boundary (limits, namespace, nothing shared between "
        "runs): its fixed cost (pipes, the process group's kill and reap, the directory) is "
        "milliseconds however small the code. Deployed, a run adds one synchronous Lambda "
        "invoke (tens of ms) and the caller's broker; the child's own start (~20 ms) is "
        "spent between invocations by the spare."
    )
    return out


def checks(report: SandboxReport) -> list[Check]:
    ratio = statistics.median(report.spare_ready) / statistics.median(report.in_process)
    return [
        Check(
            name="sandbox overhead over in-process (spare ready, p50)",
            figure=f"{ratio:.0f}x",
            target=f"<= {TARGET_RATIO:.0f}x",
            ok=ratio <= TARGET_RATIO,
        )
    ]
