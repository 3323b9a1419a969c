"""The analytics figures (seed 003 Analytics), each from counters and daily rollups read by
key or by one Query on a key range: what a page costs does not grow with the team's
history.

- tasks: the day rollups of shared.analytics (created, ended, tokens, cost, run time) and
  the tasks' status counters (shared.tasks.store.task_stats);
- jobs: the jobs' status counters (shared.jobs.counters);
- LLM spend: the cost ledger's day and agent rollups (shared.costs.summary_store);
- workers: the fleet's worker items (a team has at most a few hundred) and the running
  task counters per worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean
from typing import Any

from shared.analytics import store
from shared.analytics.domain import DayFigures
from shared.costs.amounts import micros_to_usd
from shared.costs.rollups import Rollup
from shared.ids import utcnow
from shared.pagination import PageParams

DEFAULT_DAYS = 7
# Per-agent performance looks further back by default: an agent works less than the team.
DEFAULT_AGENT_DAYS = 30
MAX_DAYS = 90


@dataclass(frozen=True, slots=True)
class Window:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]


def window(days: int) -> Window:
    """The last `days` UTC days, today included."""
    today = utcnow().date()
    return Window(first=today - timedelta(days=days - 1), last=today)


def _task_figures(figures: DayFigures) -> dict[str, Any]:
    return {
        "created": figures.created,
        "completed": figures.completed,
        "failed": figures.failed,
        "cancelled": figures.cancelled,
        "success_rate": figures.success_rate,
        "avg_run_seconds": figures.avg_run_seconds,
        "tokens": figures.tokens,
        "cost_usd": micros_to_usd(figures.cost_micros),
    }


def _spend(rollups: list[Rollup]) -> dict[str, Any]:
    counted_in = [r.tokens_in for r in rollups if r.tokens_in is not None]
    counted_out = [r.tokens_out for r in rollups if r.tokens_out is not None]
    return {
        "calls": sum(r.calls for r in rollups),
        "cost_usd": micros_to_usd(sum(r.cost_micros for r in rollups)),
        "tokens_in": sum(counted_in),
        "tokens_out": sum(counted_out),
    }


def overview(team_id: str, days: int) -> dict[str, Any]:
    """The window's tasks and LLM spend, and the team's tasks, jobs and agents as they are:
    a Query of N day rollups in each of the work and costs tables, and the counters."""
    from shared.agents.store import count_live_agents
    from shared.costs import summary_store
    from shared.jobs.counters import counts_of
    from shared.tasks.store import task_stats

    span = window(days)
    task_days = store.task_days(team_id, span.first, span.last)
    summed = sum(task_days.values(), DayFigures())
    spend = summary_store.days(team_id, span.first, span.last)
    stats = task_stats(team_id)
    jobs = counts_of(team_id, "JOB")
    return {
        "days": span.days,
        "from_date": span.first,
        "to_date": span.last,
        "tasks": {
            **_task_figures(summed),
            "by_status": stats.by_status,
            "total": stats.total,
        },
        "jobs": {"by_status": dict(jobs), "total": sum(jobs.values())},
        "llm": _spend(list(spend.values())),
        "agents": {"total": count_live_agents(team_id)},
    }


def timeline(team_id: str, days: int) -> dict[str, Any]:
    """One point per day, oldest first, days without tasks at zero: one Query."""
    span = window(days)
    found = store.task_days(team_id, span.first, span.last)
    points = []
    for day in span.dates():
        figures = found.get(day, DayFigures())
        points.append(
            {
                "date": day,
                "created": figures.created,
                "completed": figures.completed,
                "failed": figures.failed,
                "cancelled": figures.cancelled,
            }
        )
    return {"days": span.days, "from_date": span.first, "to_date": span.last, "points": points}


def agents(
    team_id: str, days: int, params: PageParams
) -> tuple[list[dict[str, Any]], int, str | None]:
    """A page of the team's live agents with their tasks over the window (one Query of the
    window's agent-day rollups) and their LLM spend to date (one BatchGetItem of their cost
    rollups)."""
    from shared.agents import store as agents_store
    from shared.costs.models import load_many, rollup_key

    page, total, cursor = agents_store.list_agents(team_id, params)
    span = window(days)
    worked = store.agent_days(team_id, span.first, span.last) if page else {}
    keys = {agent.id: rollup_key("AGENT", agent.id) for agent in page}
    costs = load_many(team_id, list(keys.values())) if keys else {}
    rows = []
    for agent in page:
        figures = worked.get(agent.id, DayFigures())
        spent = costs.get(keys[agent.id])
        rollups = [] if spent is None else [_to_rollup(spent)]
        rows.append(
            {
                "agent_id": agent.id,
                "name": agent.name,
                "role": agent.role,
                "status": agent.status,
                "tasks": {
                    "assigned": figures.created,
                    **{k: v for k, v in _task_figures(figures).items() if k != "created"},
                },
                "llm": _spend(rollups),
            }
        )
    return rows, total, cursor


def _to_rollup(item: Any) -> Rollup:
    return Rollup(
        label=item.label,
        cost_micros=int(item.cost_micros or 0),
        calls=int(item.calls or 0),
        tokens_in=None if item.tokens_in is None else int(item.tokens_in),
        tokens_out=None if item.tokens_out is None else int(item.tokens_out),
        updated_at=item.updated_at,
    )


def _percent(part: float, whole: float) -> float | None:
    return None if whole <= 0 else round(100 * part / whole, 2)


def worker_utilization(team_id: str) -> dict[str, Any]:
    """Each worker's last reported load and its running tasks against its capacity: one
    Query of the team's workers (the fleet caps them) and one BatchGetItem per hundred of
    their running counters."""
    from shared.fleet.domain import ONLINE
    from shared.fleet.store import all_workers

    workers = all_workers(team_id)
    running = store.running_on(team_id, [w.worker_id for w in workers])
    rows: list[dict[str, Any]] = []
    for worker in workers:
        metrics = worker.metrics
        busy = running.get(worker.worker_id, 0)
        rows.append(
            {
                "worker_id": worker.worker_id,
                "name": worker.name,
                "hostname": worker.hostname,
                "status": worker.status,
                "is_approved": worker.is_approved,
                "max_agents": worker.max_agents,
                "running_tasks": busy,
                "task_utilization_percent": _percent(busy, worker.max_agents),
                "cpu_usage_percent": None if metrics is None else metrics.cpu_usage_percent,
                "memory_usage_percent": None if metrics is None else metrics.memory_usage_percent,
                "disk_usage_percent": None if metrics is None else metrics.disk_usage_percent,
                "last_heartbeat_at": worker.last_heartbeat_at,
            }
        )
    online = [row for row in rows if row["status"] == ONLINE]
    capacity = sum(row["max_agents"] for row in online)
    busy_online = sum(row["running_tasks"] for row in online)

    def average(name: str) -> float | None:
        values = [row[name] for row in online if row[name] is not None]
        return round(fmean(values), 2) if values else None

    return {
        "workers": len(rows),
        "online": len(online),
        "capacity": capacity,
        "running_tasks": busy_online,
        "task_utilization_percent": _percent(busy_online, capacity),
        "avg_cpu_usage_percent": average("cpu_usage_percent"),
        "avg_memory_usage_percent": average("memory_usage_percent"),
        "avg_disk_usage_percent": average("disk_usage_percent"),
        "items": rows,
    }
