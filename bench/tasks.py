"""(k) Tasks on the local runtime, in an interpreter of its own over emulated AWS
(`python -m bench.tasks <tasks> <warmup> <big>`):

- Round trip: `POST /tasks` for a cloud agent on the built-in template generator through
  the local gateway, the run queued on task-runs, `make dev`'s pump in its background
  thread (a round every 50 ms) carrying it to task_runner, which runs it through the
  router and stores the result; then `GET /tasks/{id}` reads it. Timed from the POST to
  the GET answering `completed`, one task at a time; the client is woken by the runner's
  write (hooked), as one woken by the `task.completed` push would be.
- Flat lists: `GET /tasks/stats` and `GET /tasks?status=` (the status most tasks are in)
  in a team of 10 tasks and one of `<big>`, p50 of each: the counters and the status
  index answer both without reading the team's history.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from dataclasses import dataclass
from typing import Any

from bench.common import percentile, run_child
from bench.list_calls import LIST_CALLS, figure_rows, flat_check, list_figures
from bench.report import Check, Table, ms
from bench.round_trips import Finished, time_round_trips

MAX_ROUND_TRIP_P50 = 0.3  # seconds
MAX_GROWTH = 1.2  # p50 with the big team over p50 with the small one
SMALL = 10
DEFAULT_BIG = 10_000
# A call reads a page (the default limit, 20) and the counters (10) at most, however many
# tasks the team has: what DynamoDB bills, and what bounds its time there.
READ_BOUND = 30
# The status list is asked for pages of the small team's size: both teams answer the same
# number of tasks, so what is compared is the cost of the history, not of a longer page.
PAGE = str(SMALL)
DEFAULT_WARMUP = 3
USER = "benchtaskuser"


def _environment() -> Any:
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": "factory-bench-tasks",
            "ARTIFACTS_BUCKET": "factory-bench-tasks-artifacts",
            "EVENT_BUS_NAME": "factory-bench-tasks-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from shared.settings import get_settings

    return get_settings()


def _fill(team_id: str, count: int) -> None:
    """`count` completed tasks of the team, stored as the store stores them (item, index
    under the status, counters), in batches: creating them one request at a time would
    only time the filling."""
    from shared.db.base import team_partition
    from shared.ids import new_id, utcnow
    from shared.tasks.models import TaskCounterItem, TaskItem, count_key, status_partition, task_key

    now = utcnow()
    with TaskItem.batch_write() as batch:
        for _ in range(count):
            task_id = new_id()
            batch.save(
                TaskItem(
                    team_partition(team_id),
                    task_key(task_id),
                    team_id=team_id,
                    task_id=task_id,
                    title="Done before",
                    instructions="x",
                    priority="medium",
                    status="completed",
                    result="ok",
                    created_by=USER,
                    created_at=now,
                    updated_at=now,
                    gsi1pk=status_partition(team_id, "completed"),
                    gsi1sk=task_id,
                )
            )
    for dimension, value in (("STATUS", "completed"), ("PRIORITY", "medium")):
        TaskCounterItem(team_partition(team_id), count_key(dimension, value)).update(
            actions=[TaskCounterItem.total.add(count), TaskCounterItem.team_id.set(team_id)],
            add_version_condition=False,
        )


def _tasks_child(count: int, warmup: int, big: int) -> dict[str, Any]:
    settings = _environment()
    from fastapi.testclient import TestClient

    from shared.agents import service as agents
    from shared.agents.schemas import AgentCreate
    from shared.auth.principal import Principal
    from shared.auth.tokens import issue_token
    from shared.tasks import service
    from shared.tasks.domain import Task
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import LocalGateway, register_group_functions
    from tools.local.pump import LocalPump

    finished = Finished()
    original = service.end

    def timed_end(task: Task, *args: Any, **kwargs: Any) -> Task | None:
        done = original(task, *args, **kwargs)
        finished.mark(task.id)
        return done

    service.end = timed_end  # type: ignore[assignment]
    # A warm container between its refreshes of the team's IP rules (one GetItem every
    # 15 s): with 10,000 tasks to write, a refresh otherwise lands in some recordings of a
    # list call and not in their replays, which then miss and fall back to moto.
    from shared.ip_rules import guard

    guard.clock = lambda: 0.0
    lists: dict[str, dict[str, dict[str, float]]] = {}
    with emulated_aws(settings):
        register_group_functions(settings)

        def headers_of(team: str) -> dict[str, str]:
            token = issue_token(Principal(USER, team, "admin"), ttl_seconds=3600)
            return {"Authorization": f"Bearer {token}"}

        team = "bench-tasks-team"
        agent = agents.create_agent(
            team,
            AgentCreate(
                name="Bench", role="writer", llm_provider="templates", llm_model="templates-1"
            ),
        )
        headers = headers_of(team)
        body = {"title": "Summarise", "instructions": "Summarise the notes", "agent_id": agent.id}
        with TestClient(LocalGateway()) as http, LocalPump(settings).running():  # type: ignore[arg-type]
            found = time_round_trips(
                http,
                finished,
                headers=headers,
                post="/api/v1/tasks",
                body=body,
                accepted=201,
                id_field="id",
                get="/api/v1/tasks/{id}",
                done_status="completed",
                count=count,
                warmup=warmup,
            )
        sizes = {"small": SMALL, "big": big}
        # Both teams are filled before either is timed: the table is the same for both.
        for label, size in sizes.items():
            _fill(f"bench-tasks-{label}", size)
        from bench.events import RecordedAnswers

        answers = RecordedAnswers().install()
        with TestClient(LocalGateway()) as http:  # type: ignore[arg-type]
            for label in sizes:
                own = headers_of(f"bench-tasks-{label}")
                lists[label] = {
                    "stats": list_figures(http, answers, own, "/api/v1/tasks/stats", {}),
                    "status": list_figures(
                        http, answers, own, "/api/v1/tasks", {"status": "completed", "limit": PAGE}
                    ),
                }
    return {
        "latencies": found.latencies,
        "posts": found.posts,
        "lost": found.lost,
        "lists": lists,
        "big": big,
    }


@dataclass(frozen=True, slots=True)
class TasksReport:
    latencies: list[float]
    posts: list[float]
    lost: int
    tasks: int
    lists: dict[str, dict[str, dict[str, float]]]
    big: int


def measure(tasks: int = 50, warmup: int = DEFAULT_WARMUP, big: int = DEFAULT_BIG) -> TasksReport:
    found = run_child("bench.tasks", str(tasks), str(warmup), str(big))
    return TasksReport(
        found["latencies"], found["posts"], found["lost"], tasks, found["lists"], found["big"]
    )


def table(report: TasksReport) -> Table:
    out = Table(
        "Tasks: created -> result stored; flat lists, local runtime", ["measure", "p50", "p99"]
    )
    if report.latencies:
        out.rows.append(
            [
                f"POST /tasks -> GET /tasks/{{id}} completed ({len(report.latencies)} tasks)",
                ms(statistics.median(report.latencies)),
                ms(percentile(report.latencies, 99)),
            ]
        )
        out.rows.append(
            ["of which POST /tasks answered 201", ms(statistics.median(report.posts)), ""]
        )
    out.rows.append(["lost", f"{report.lost} of {report.tasks}", ""])
    for name, label in (
        ("stats", "GET /tasks/stats"),
        ("status", f"GET /tasks?status=completed&limit={PAGE}"),
    ):
        small, big = report.lists["small"][name], report.lists["big"][name]
        out.rows += figure_rows(label, small, big, (f"{SMALL} tasks", f"{report.big} tasks"))
    out.notes.append(
        "The local gateway in process, the pump in its background thread (a round every "
        "50 ms, as `make dev`), one task at a time to an agent on the built-in template "
        "generator: POST /tasks (agent read, task with its index items and counters in one "
        "transaction, message on task-runs), task_runner claiming it and running it through "
        "the router, the result stored; then one GET. The lists: "
        f"{LIST_CALLS} calls each in a team of {SMALL} tasks and one of {report.big}, "
        "over moto and with the call's recorded AWS answers replayed to botocore (botocore "
        "still validates, signs and parses; moto's work is left out, as DynamoDB's would "
        "be: a Query reads one page on DynamoDB, while moto's walks every item under the "
        "key before applying the limit). The check uses the replayed figure and the items "
        "read, which must not grow."
    )
    return out


def checks(report: TasksReport) -> list[Check]:
    latencies = report.latencies
    p50 = statistics.median(latencies) if latencies else None
    found = [
        Check(
            f"task created -> result stored p50, local runtime ({report.tasks} tasks)",
            (f"{ms(p50)} (p99 {ms(percentile(latencies, 99))}; " if p50 is not None else "none (")
            + f"{report.lost} lost)",
            f"<= {MAX_ROUND_TRIP_P50 * 1000:.0f} ms, none lost",
            p50 is not None and p50 <= MAX_ROUND_TRIP_P50 and report.lost == 0,
        )
    ]
    for name, label in (
        ("stats", "GET /tasks/stats"),
        ("status", f"GET /tasks?status=&limit={PAGE}"),
    ):
        small, big = report.lists["small"][name], report.lists["big"][name]
        versus = f"{report.big} tasks vs {SMALL}"
        found.append(
            flat_check(
                label, small, big, versus=versus, max_growth=MAX_GROWTH, read_bound=READ_BOUND
            )
        )
    return found


if __name__ == "__main__":
    count, warm, size = (int(value) for value in sys.argv[1:4])
    print(json.dumps(_tasks_child(count, warm, size)))
