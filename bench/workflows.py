"""(l) A 10-step workflow on the local runtime against the same steps run directly, in an
interpreter of its own over emulated AWS (`python -m bench.workflows <runs> <warmup>`).

The workflow (built-in template provider; two branches after `plan` that meet at the
approval):

    plan ─┬─ draft-api ── review-api ── notify (webhook) ─┬─ sign-off (approval) ─┐
          └─ draft-ui ── cool-off (wait 30 s) ── review-ui ┘                       │
          ┌────────────────────────────────────────────────────────────────────────┘
          └─ release ── announce (webhook)

six agent tasks, two webhooks to a loopback receiver the bench starts, one wait, one
approval.

- Orchestrated: `POST /workflows/{id}/run` through the local gateway; the run executes
  on the local Step Functions interpreter (the real interpreter document, the step worker
  for each action), agent tasks reach task_runner through `make dev`'s pump in its
  background thread (a round every 50 ms), the wait step's delayed message is delivered
  by the pump once the driven clock (time_machine, shifted by the wait's length the moment
  its message is sent) reaches it, and the approval is approved by the bench through
  `POST /approvals/{id}/approve` the moment it is opened (a hook on its opening, as a
  reviewer woken by `approval.requested` would). Timed from the POST to the GET of the run
  answering `completed`, the client woken by the run's recorded end (a hook on it).
- Direct, the baseline: each of the ten steps run on its own, one after the other, the
  same way a client would without a workflow, and the times summed. An agent task is one
  task round trip (`POST /tasks`, task_runner through the pump, `GET /tasks/{id}`, the
  client woken by the task's end as in the tasks section); a webhook is one POST of the
  step's body to the same receiver; the wait is the same delayed message on
  workflow-steps, the clock shifted the same way, timed until workflow_runner handles it;
  the approval is opened (shared.approvals.requests.open_approval, what the step calls)
  and approved through the API.

The ratio is orchestrated over direct (medians): what the interpreter, the dependency
bookkeeping and the task tokens cost, less what running the branches side by side saves.
Rounds are interleaved (a run, then its direct steps) after untimed warm-up rounds.
"""

from __future__ import annotations

import json
import os
import queue
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

from bench.common import run_child
from bench.report import Check, Table, ms, ratio
from bench.round_trips import Finished

MAX_OVERHEAD = 2.0  # the run's wall time over the sum of its steps run directly
DEFAULT_WARMUP = 2
USER = "benchworkflowuser"
TEAM = "bench-workflows-team"
WAIT_SECONDS = 30
RUN_TIMEOUT = 60.0
# (name, step_type, depends_on); config and agent are filled in by `_steps`.
SHAPE: Final = (
    ("plan", "agent_task", ()),
    ("draft-api", "agent_task", ("plan",)),
    ("review-api", "agent_task", ("draft-api",)),
    ("notify", "webhook", ("review-api",)),
    ("draft-ui", "agent_task", ("plan",)),
    ("cool-off", "wait", ("draft-ui",)),
    ("review-ui", "agent_task", ("cool-off",)),
    ("sign-off", "approval", ("notify", "review-ui")),
    ("release", "agent_task", ("sign-off",)),
    ("announce", "webhook", ("release",)),
)


def _environment() -> Any:
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": "factory-bench-workflows",
            "ARTIFACTS_BUCKET": "factory-bench-workflows-artifacts",
            "EVENT_BUS_NAME": "factory-bench-workflows-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from shared.settings import get_settings

    return get_settings()


@contextmanager
def _receiver() -> Iterator[str]:
    """A loopback endpoint answering every POST 200: the webhook steps' target."""

    class Answer(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def _steps(agent_id: str, url: str) -> list[dict[str, Any]]:
    def config(name: str, kind: str) -> dict[str, Any]:
        return {
            "agent_task": {"instructions": f"Write the {name} notes"},
            "webhook": {"url": url},
            "wait": {"seconds": WAIT_SECONDS},
            "approval": {"title": "Ship the release?"},
        }[kind]

    return [
        {
            "name": name,
            "step_type": kind,
            "order": order,
            "config": config(name, kind),
            "agent_id": agent_id if kind == "agent_task" else None,
            "depends_on": list(depends_on),
        }
        for order, (name, kind, depends_on) in enumerate(SHAPE)
    ]


class _Bench:
    """The hooks and the two ways of running the steps, over one emulated AWS."""

    def __init__(self, http: Any, headers: dict[str, str], clock: Any, url: str) -> None:
        self.http = http
        self.headers = headers
        self.clock = clock
        self.url = url
        self.finished = Finished()
        self.to_approve: queue.Queue[str | None] = queue.Queue()

    def install_hooks(self) -> None:
        from functions.workflow_runner import service as runner
        from shared import schedules
        from shared.approvals import requests
        from shared.tasks import service as tasks
        from shared.workflows import run_store

        end_task, end_run = tasks.end, run_store.end_run
        send_later, open_approval, end_wait = (
            schedules.send_later,
            requests.open_approval,
            runner.end_wait,
        )
        finished, clock = self.finished, self.clock

        def timed_end_task(task: Any, *args: Any, **kwargs: Any) -> Any:
            done = end_task(task, *args, **kwargs)
            finished.mark(task.id)
            return done

        def timed_end_run(team_id: str, run_id: str, *args: Any, **kwargs: Any) -> Any:
            done = end_run(team_id, run_id, *args, **kwargs)
            finished.mark(run_id)
            return done

        def driven_send_later(key: str, body: dict[str, Any], at: datetime) -> None:
            send_later(key, body, at)
            # The driven clock reaches the message's time at once: the wait costs what
            # delivering a delayed message costs, never its length in real time.
            clock.shift(max(timedelta(0), at - datetime.now(UTC)) + timedelta(seconds=1))

        def opened(*args: Any, **kwargs: Any) -> Any:
            approval = open_approval(*args, **kwargs)
            if kwargs.get("origin"):  # a workflow's step: the bench's approver decides it
                self.to_approve.put(approval.id)
            return approval

        def timed_end_wait(message: dict[str, Any]) -> None:
            end_wait(message)
            finished.mark(str(message["once"]))

        tasks.end = timed_end_task  # type: ignore[assignment]
        run_store.end_run = timed_end_run  # type: ignore[assignment]
        schedules.send_later = driven_send_later  # type: ignore[assignment]
        requests.open_approval = opened  # type: ignore[assignment]
        runner.end_wait = timed_end_wait  # type: ignore[assignment]

    def approve(self, approval_id: str, http: Any = None) -> None:
        answer = (http or self.http).post(
            f"/api/v1/approvals/{approval_id}/approve", headers=self.headers
        )
        if answer.status_code != 200:
            raise RuntimeError(f"approve answered {answer.status_code}: {answer.text}")

    @contextmanager
    def approver(self) -> Iterator[None]:
        """A reviewer in a thread of its own (its own client) approving what is opened."""
        from fastapi.testclient import TestClient

        from tools.local.gateway import LocalGateway

        def loop() -> None:
            with TestClient(LocalGateway()) as http:  # type: ignore[arg-type]
                while (approval_id := self.to_approve.get()) is not None:
                    self.approve(approval_id, http)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield
        finally:
            self.to_approve.put(None)
            thread.join(10)

    def orchestrated(self, workflow_id: str) -> tuple[float, float] | None:
        """POST /run -> the GET answering completed (None: it did not), and the POST alone."""
        started = time.perf_counter()
        answer = self.http.post(f"/api/v1/workflows/{workflow_id}/run", headers=self.headers)
        posted = time.perf_counter()
        if answer.status_code != 202:
            raise RuntimeError(f"POST /run answered {answer.status_code}: {answer.text}")
        run_id = answer.json()["run_id"]
        self.finished.wait(run_id, RUN_TIMEOUT)
        run = self.http.get(
            f"/api/v1/workflows/{workflow_id}/runs/{run_id}", headers=self.headers
        ).json()
        ended = time.perf_counter()
        if run.get("status") != "completed":
            print(json.dumps(run, default=str), file=sys.stderr)
            return None
        return ended - started, posted - started

    def direct(self, steps: list[dict[str, Any]]) -> dict[str, float]:
        """Each step run on its own, one after the other: its time, by step name."""
        return {step["name"]: self._direct_step(step) for step in steps}

    def _direct_step(self, step: dict[str, Any]) -> float:
        kind, config = step["step_type"], step["config"]
        started = time.perf_counter()
        if kind == "agent_task":
            body = {
                "title": step["name"],
                "instructions": config["instructions"],
                "agent_id": step["agent_id"],
            }
            answer = self.http.post("/api/v1/tasks", headers=self.headers, json=body)
            if answer.status_code != 201:
                raise RuntimeError(f"POST /tasks answered {answer.status_code}: {answer.text}")
            task_id = answer.json()["id"]
            self.finished.wait(task_id)
            task = self.http.get(f"/api/v1/tasks/{task_id}", headers=self.headers).json()
            if task.get("status") != "completed":
                raise RuntimeError(f"direct task ended {task.get('status')}: {task.get('error')}")
        elif kind == "webhook":
            import httpx

            from shared.url_policy import check_url

            url = check_url(config["url"], strict=False, allow_query=True)
            body = {"workflow_id": "direct", "run_id": "direct", "step": step["name"]}
            with httpx.Client(timeout=10.0) as http:
                if not http.post(url, json=body).is_success:
                    raise RuntimeError("the receiver refused the direct webhook")
        elif kind == "wait":
            from shared import schedules
            from shared.ids import new_id, utcnow
            from shared.workflows.runs import WAIT_QUEUE

            once = f"direct-{new_id()}"
            message = {
                "team_id": TEAM,
                "run_id": once,  # no such run: the runner answers nothing
                "step_id": step["name"],
                "once": once,
                "waited_seconds": config["seconds"],
            }
            schedules.send_later(WAIT_QUEUE, message, utcnow() + timedelta(seconds=WAIT_SECONDS))
            if not self.finished.wait(once):
                raise RuntimeError("the direct wait's message never arrived")
        else:
            from shared.approvals import requests

            approval = requests.open_approval(TEAM, USER, config["title"], {"step": step["name"]})
            self.approve(approval.id)
        return time.perf_counter() - started


def _workflows_child(runs: int, warmup: int) -> dict[str, Any]:
    settings = _environment()
    import time_machine
    from fastapi.testclient import TestClient

    from shared.agents import service as agents
    from shared.agents.schemas import AgentCreate
    from shared.auth.principal import Principal
    from shared.auth.tokens import issue_token
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import LocalGateway, register_group_functions
    from tools.local.pump import LocalPump

    found: dict[str, Any] = {"orchestrated": [], "posts": [], "direct": [], "steps": {}, "lost": 0}
    with (
        emulated_aws(settings),
        _receiver() as url,
        time_machine.travel(datetime.now(UTC), tick=True) as clock,
    ):
        register_group_functions(settings)
        agent = agents.create_agent(
            TEAM,
            AgentCreate(
                name="Bench", role="writer", llm_provider="templates", llm_model="templates-1"
            ),
        )
        token = issue_token(Principal(USER, TEAM, "admin"), ttl_seconds=24 * 3600)
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(LocalGateway()) as http:  # type: ignore[arg-type]
            bench = _Bench(http, headers, clock, url)
            bench.install_hooks()
            created = http.post("/api/v1/workflows", headers=headers, json={"name": "Release"})
            workflow_id = created.json()["id"]
            steps = _steps(agent.id, url)
            for step in steps:
                added = http.post(
                    f"/api/v1/workflows/{workflow_id}/steps", headers=headers, json=step
                )
                if added.status_code != 201:
                    raise RuntimeError(f"adding {step['name']} answered {added.text}")
            with LocalPump(settings).running(), bench.approver():
                for seq in range(-warmup, runs):  # negative: warm-up, untimed
                    timed = bench.orchestrated(workflow_id)
                    direct = bench.direct(steps)
                    if seq < 0:
                        continue
                    if timed is None:
                        found["lost"] += 1
                        continue
                    found["orchestrated"].append(timed[0])
                    found["posts"].append(timed[1])
                    found["direct"].append(sum(direct.values()))
                    for name, seconds in direct.items():
                        found["steps"].setdefault(name, []).append(seconds)
    return found


@dataclass(frozen=True, slots=True)
class WorkflowsReport:
    orchestrated: list[float]
    posts: list[float]
    direct: list[float]
    steps: dict[str, list[float]]
    lost: int
    runs: int


def measure(runs: int = 10, warmup: int = DEFAULT_WARMUP) -> WorkflowsReport:
    found = run_child("bench.workflows", str(runs), str(warmup))
    return WorkflowsReport(
        found["orchestrated"], found["posts"], found["direct"], found["steps"], found["lost"], runs
    )


def _kind(name: str) -> str:
    return next(kind for step, kind, _ in SHAPE if step == name)


def table(report: WorkflowsReport) -> Table:
    out = Table(
        "Workflows: a 10-step run vs its steps run directly, local runtime (median of runs)",
        ["measure", "median", "fastest", "slowest"],
    )
    for label, values in (
        (
            f"run: POST /run -> GET run completed ({len(report.orchestrated)} runs)",
            report.orchestrated,
        ),
        ("of which POST /run answered 202", report.posts),
        ("the same 10 steps run directly, summed", report.direct),
    ):
        if values:
            out.rows.append(
                [label, ms(statistics.median(values)), ms(min(values)), ms(max(values))]
            )
    for name, values in report.steps.items():
        out.rows.append(
            [
                f"direct: {name} ({_kind(name)})",
                ms(statistics.median(values)),
                ms(min(values)),
                ms(max(values)),
            ]
        )
    out.rows.append(["lost runs", f"{report.lost} of {report.runs}", "", ""])
    out.notes.append(
        "plan, then two branches (draft-api -> review-api -> notify webhook; draft-ui -> "
        f"cool-off wait {WAIT_SECONDS} s -> review-ui) meeting at sign-off (an approval the "
        "bench approves through the API as soon as it is opened), then release -> announce "
        "webhook; agents on the built-in template generator. The run executes on the local "
        "Step Functions interpreter with the pump in its background thread (a round every "
        "50 ms, as `make dev`); the wait's clock is driven (shifted by its length when its "
        "message is sent). Direct: each step alone, in turn, summed: a task round trip per "
        "agent task, one POST to the same loopback receiver per webhook, the same delayed "
        "message handled by workflow_runner for the wait, open + approve for the approval. "
        "Runs and direct rounds interleaved after warm-up rounds."
    )
    return out


def checks(report: WorkflowsReport) -> list[Check]:
    if not report.orchestrated or not report.direct:
        return [
            Check(
                "10-step workflow wall time vs its steps run directly",
                f"no run completed ({report.lost} lost)",
                f"<= {MAX_OVERHEAD:.1f}x",
                None,
            )
        ]
    wall, direct = statistics.median(report.orchestrated), statistics.median(report.direct)
    return [
        Check(
            "10-step workflow wall time vs its steps run directly (local runtime, median)",
            f"{ratio(wall, direct)} ({ms(wall)} vs {ms(direct)}; {report.lost} lost)",
            f"<= {MAX_OVERHEAD:.1f}x, none lost",
            wall / direct <= MAX_OVERHEAD and report.lost == 0,
        )
    ]


if __name__ == "__main__":
    count, warm = (int(value) for value in sys.argv[1:3])
    print(json.dumps(_workflows_child(count, warm)))
