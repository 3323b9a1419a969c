"""(d) A generation job end to end on the local runtime, and what orchestration costs.

Orchestrated: `POST /jobs`'s service starts the real state machine on the local Step
Functions interpreter, which calls the pipeline worker for each of the 13 phases; timed
from the call to the job's recorded end. Direct: the same worker actions called one
after another in this process, no state machine. Both over the same emulated AWS with
the template generator, interleaved, medians compared. Runs in its own interpreter
(`python -m bench.pipeline`) so its emulated AWS and settings stay its own.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench.common import run_child
from bench.report import Check, Table, ms, ratio

MAX_WALL_SECONDS = 10.0
MAX_OVERHEAD = 2.0


@dataclass(frozen=True, slots=True)
class PipelineReport:
    orchestrated: list[float]
    direct: list[float]
    phases: dict[str, list[float]]


def _run_once_each(team: str, number: int) -> tuple[float, float, dict[str, float]]:
    from functions.jobs.schemas import JobCreate
    from functions.jobs.service import create_job
    from functions.pipeline import worker
    from shared.ids import new_id, utcnow
    from shared.jobs import store
    from shared.jobs.domain import Job
    from shared.pipeline.definition import PHASE_NAMES

    request = JobCreate(name=f"Bench {number}", platform="web", features="notes, reminders")
    started_at = utcnow()
    job = create_job(team, None, request)
    while store.get_job(team, job.id).status not in ("passed", "failed", "cancelled"):
        time.sleep(0.2)  # rarely: each read competes with the execution for the GIL
    done = store.get_job(team, job.id)
    if done.status != "passed" or done.finished_at is None:
        raise RuntimeError(f"bench job ended {done.status}: {done.error}")
    # The end the job itself recorded, so polling adds no latency to the figure.
    orchestrated = (done.finished_at - started_at).total_seconds()
    phases = {
        record.phase: (record.finished_at - record.started_at).total_seconds()
        for record in done.phases
        if record.started_at and record.finished_at
    }

    now = utcnow()
    direct_job = store.create_job(
        Job(
            id=new_id(),
            team_id=team,
            slug=f"direct-{number}",
            spec=done.spec.model_copy(update={"slug": f"direct-{number}"}),
            created_at=now,
            updated_at=now,
        )
    )
    started = time.perf_counter()
    for phase in PHASE_NAMES:
        answer = worker.run(team, direct_job.id, phase)
        while phase == "repair" and answer["recheck"]:
            worker.run(team, direct_job.id, "qa")
            answer = worker.run(team, direct_job.id, "repair")
    worker.complete(team, direct_job.id)
    direct = time.perf_counter() - started
    return orchestrated, direct, phases


def _child(runs: int) -> dict[str, Any]:
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": "factory-bench",
            "ARTIFACTS_BUCKET": "factory-bench-artifacts",
            "EVENT_BUS_NAME": "factory-bench-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
            "ADMIN_API_KEY": "bench",
        }
    )
    from shared.settings import get_settings
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import register_group_functions

    settings = get_settings()
    results: dict[str, Any] = {"orchestrated": [], "direct": [], "phases": {}}
    with emulated_aws(settings):
        register_group_functions(settings)
        _run_once_each("bench-warmup", 0)  # imports, emulator caches, the generated tests
        for number in range(1, runs + 1):
            orchestrated, direct, phases = _run_once_each("bench", number)
            results["orchestrated"].append(orchestrated)
            results["direct"].append(direct)
            for phase, seconds in phases.items():
                results["phases"].setdefault(phase, []).append(seconds)
    return results


def measure(runs: int = 5) -> PipelineReport:
    data = run_child("bench.pipeline", str(runs))
    return PipelineReport(data["orchestrated"], data["direct"], data["phases"])


def table(report: PipelineReport) -> Table:
    out = Table(
        "Generation job, template generator, web target, local runtime (median of runs)",
        ["measure", "median", "fastest", "slowest"],
    )
    for name, values in (
        ("job end to end (state machine)", report.orchestrated),
        ("same phases called directly", report.direct),
    ):
        out.rows.append([name, ms(statistics.median(values)), ms(min(values)), ms(max(values))])
    for phase, values in report.phases.items():
        out.rows.append(
            [f"phase {phase}", ms(statistics.median(values)), ms(min(values)), ms(max(values))]
        )
    out.notes.append(
        f"{len(report.orchestrated)} runs after one warm-up; orchestrated: from the create call "
        "to the end the job recorded (finished_at); phases: started_at..finished_at as recorded."
    )
    return out


def checks(report: PipelineReport) -> list[Check]:
    wall = statistics.median(report.orchestrated)
    overhead = wall / statistics.median(report.direct)
    return [
        Check(
            "template-generated 13-phase web job end to end",
            ms(wall),
            f"<= {MAX_WALL_SECONDS:.0f} s",
            wall <= MAX_WALL_SECONDS,
        ),
        Check(
            "orchestration overhead vs direct phase calls",
            ratio(wall, statistics.median(report.direct)),
            f"<= {MAX_OVERHEAD:.1f}x",
            overhead <= MAX_OVERHEAD,
        ),
    ]


if __name__ == "__main__":
    print(json.dumps(_child(int(sys.argv[1]) if len(sys.argv) > 1 else 5)))
