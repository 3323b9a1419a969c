"""(g) Schedule fire -> job started, on the local runtime, with a driven clock.

One schedule trigger (`every 1 minute`, action `start_job`) over emulated AWS in a child
interpreter of its own. For each fire the clock (time-machine) is moved to the schedule's
next time and the local pump's rounds run until the trigger's run has started its job:
the Scheduler's schedule fired into `trigger-fires` (tools/local/pump.py), the
trigger_runner consumer (claim, overlap, the action through shared.jobs.start exactly as
`POST /jobs`, the run recorded, `trigger.fired`), up to the job's execution accepted by
Step Functions. The execution itself is not run (moto's interpreter off): the pipeline's
phases are not the trigger's latency, and 50 of them in background threads would be what
the figure measured. The time is wall time (perf_counter) from the round that fires the
schedule to the run recorded with its job.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import percentile, run_child
from bench.report import Check, Table

MAX_FIRE_P50 = 0.3  # seconds
TEAM = "bench-triggers"
DEFAULT_WARMUP = 3


def _fires_child(count: int, warmup: int) -> dict[str, Any]:
    from bench.events import _environment

    settings = _environment("triggers")
    import time_machine

    from tools.local import emulator

    emulator.MOTO_CONFIG["stepfunctions"] = {"execute_state_machine": False}
    from pydantic import TypeAdapter

    from functions.triggers import service
    from shared.pagination import PageParams
    from shared.triggers import store
    from shared.triggers.domain import TriggerAction
    from tools.local.gateway import register_group_functions
    from tools.local.pump import LocalPump

    action = TypeAdapter(TriggerAction).validate_python(
        {"type": "start_job", "job": {"name": "Nightly build", "platform": "web"}}
    )
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    latencies: list[float] = []
    missed = 0
    with emulator.emulated_aws(settings), time_machine.travel(start, tick=False) as clock:
        register_group_functions(settings)
        pump = LocalPump(settings)
        trigger = service.create_trigger(
            TEAM,
            "bench-user",
            name="every minute",
            kind="schedule",
            config={"rate": "every 1 minute"},
            action=action,
            overlap="allow",
            enabled=True,
            failure_limit=5,
        )
        for index in range(-warmup, count):  # negative: warm-up, untimed
            clock.move_to(start + timedelta(minutes=index + warmup))
            began = time.perf_counter()
            job_id = None
            for _ in range(20):
                pump.run_once()
                latest = store.list_runs(trigger.id, PageParams(limit=1))[0]
                if latest and latest[0].scheduled_for == datetime.now(UTC) and latest[0].job_id:
                    job_id = latest[0].job_id
                    break
            took = time.perf_counter() - began
            if index < 0:
                continue
            if job_id is None:
                missed += 1
            else:
                latencies.append(took)
        runs = store.list_runs(trigger.id, PageParams(limit=100))[1]
        outcomes = {run.outcome for run in store.list_runs(trigger.id, PageParams(limit=100))[0]}
    return {"latencies": latencies, "missed": missed, "runs": runs, "outcomes": sorted(outcomes)}


@dataclass(frozen=True, slots=True)
class TriggersReport:
    fires: dict[str, Any]
    count: int


def measure(fires: int = 50, *, warmup: int = DEFAULT_WARMUP) -> TriggersReport:
    return TriggersReport(run_child("bench.triggers", "fires", str(fires), str(warmup)), fires)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def table(report: TriggersReport) -> Table:
    fires = report.fires
    out = Table("Triggers: schedule fire -> job started (local runtime)", ["measure", "p50", "p99"])
    latencies = fires["latencies"]
    if latencies:
        out.rows.append(
            [
                f"schedule fire -> job started ({len(latencies)} fires)",
                _ms(statistics.median(latencies)),
                _ms(percentile(latencies, 99)),
            ]
        )
    out.rows.append(
        [
            "runs recorded / fires missed",
            f"{fires['runs']} / {fires['missed']} of {report.count} (+ warm-up)",
            "",
        ]
    )
    out.notes.append(
        "One `every 1 minute` trigger starting a job; the clock is moved to each fire time "
        "and the pump's rounds run (synchronously) until the run is recorded with its job: "
        "the schedule fired into trigger-fires, the runner's claim and overlap check, "
        "shared.jobs.start (as POST /jobs) up to StartExecution, the run and trigger.fired. "
        "The execution's phases are not run (moto's interpreter off)."
    )
    return out


def checks(report: TriggersReport) -> list[Check]:
    fires = report.fires
    latencies = fires["latencies"]
    complete = fires["missed"] == 0 and fires["outcomes"] == ["started"]
    return [
        Check(
            f"schedule fire -> job started p50, local runtime ({report.count} fires)",
            (
                f"{_ms(statistics.median(latencies))} (p99 {_ms(percentile(latencies, 99))}; "
                if latencies
                else "nothing started ("
            )
            + f"{fires['missed']} missed)",
            f"<= {MAX_FIRE_P50 * 1000:.0f} ms, every fire started",
            bool(latencies) and statistics.median(latencies) <= MAX_FIRE_P50 and complete,
        )
    ]


if __name__ == "__main__":
    kind, *numbers = sys.argv[1:]
    values = [int(number) for number in numbers]
    if kind == "fires":
        print(json.dumps(_fires_child(*values)))
    else:
        report = measure(*values)
        print(table(report).to_text())
        for check in checks(report):
            print(check)
