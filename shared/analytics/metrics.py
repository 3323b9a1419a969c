"""GET /metrics: the team's figures in Prometheus' text format (prometheus_client's
exposition), read as the analytics pages read them: counters, today's rollup, the cost
ledger's all-time rollup and the fleet's workers. Every sample carries `team`, so that
one Prometheus can scrape several teams, each with its own key.

    factory_tasks{status}            tasks in each status now (gauge)
    factory_tasks_priority{priority} tasks of each priority (gauge)
    factory_tasks_today{outcome}     created, completed, failed, cancelled today, UTC (gauge)
    factory_jobs{status}             jobs in each status now (gauge)
    factory_agents                   live agents (gauge)
    factory_workers{status}          workers online and offline (gauge)
    factory_worker_capacity          agents the online workers can run (gauge)
    factory_worker_running_tasks     tasks running on workers now (gauge)
    factory_llm_calls_total          LLM calls to date (counter)
    factory_llm_cost_usd_total       their cost in USD (counter)
    factory_llm_tokens_total{direction}  tokens in and out (counter)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args

from shared.analytics import service, store
from shared.analytics.domain import DayFigures
from shared.costs.amounts import micros_to_usd

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _figures(team_id: str) -> dict[str, Any]:
    from shared.agents.store import count_live_agents
    from shared.costs.models import TOTAL_KEY, load_many
    from shared.jobs.counters import counts_of
    from shared.tasks.store import task_stats

    today = service.window(1).last
    stats = task_stats(team_id)
    total = load_many(team_id, [TOTAL_KEY]).get(TOTAL_KEY)
    return {
        "stats": stats,
        "today": store.task_days(team_id, today, today).get(today, DayFigures()),
        "jobs": counts_of(team_id, "JOB"),
        "agents": count_live_agents(team_id),
        "workers": service.worker_utilization(team_id),
        "llm_calls": 0 if total is None else int(total.calls or 0),
        "llm_cost_micros": 0 if total is None else int(total.cost_micros or 0),
        "tokens_in": 0 if total is None or total.tokens_in is None else int(total.tokens_in),
        "tokens_out": 0 if total is None or total.tokens_out is None else int(total.tokens_out),
    }


class _TeamCollector:
    """One scrape's samples, from figures read once."""

    def __init__(self, team_id: str, figures: dict[str, Any]) -> None:
        self.team_id = team_id
        self.figures = figures

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        from shared.jobs.domain import JobStatus
        from shared.tasks.domain import PRIORITIES, TASK_STATUSES

        team, found = self.team_id, self.figures

        def gauge(name: str, text: str, label: str, values: dict[str, float]) -> Any:
            family = GaugeMetricFamily(name, text, labels=["team", label])
            for key, value in values.items():
                family.add_metric([team, key], value)
            return family

        stats = found["stats"]
        yield gauge(
            "factory_tasks",
            "Tasks in each status",
            "status",
            {s: stats.by_status.get(s, 0) for s in TASK_STATUSES},
        )
        yield gauge(
            "factory_tasks_priority",
            "Tasks of each priority",
            "priority",
            {p: stats.by_priority.get(p, 0) for p in PRIORITIES},
        )
        today: DayFigures = found["today"]
        yield gauge(
            "factory_tasks_today",
            "Tasks created and ended today (UTC)",
            "outcome",
            {
                "created": today.created,
                "completed": today.completed,
                "failed": today.failed,
                "cancelled": today.cancelled,
            },
        )
        yield gauge(
            "factory_jobs",
            "Generation jobs in each status",
            "status",
            {s: found["jobs"].get(s, 0) for s in get_args(JobStatus)},
        )
        workers = found["workers"]
        yield gauge(
            "factory_workers",
            "Workers online and offline",
            "status",
            {"online": workers["online"], "offline": workers["workers"] - workers["online"]},
        )
        for name, text, value in (
            ("factory_agents", "Live agents", found["agents"]),
            ("factory_worker_capacity", "Agents the online workers can run", workers["capacity"]),
            (
                "factory_worker_running_tasks",
                "Tasks running on online workers",
                workers["running_tasks"],
            ),
        ):
            single = GaugeMetricFamily(name, text, labels=["team"])
            single.add_metric([team], value)
            yield single
        for name, text, value in (
            ("factory_llm_calls", "LLM calls to date", found["llm_calls"]),
            (
                "factory_llm_cost_usd",
                "LLM spend to date in USD",
                micros_to_usd(found["llm_cost_micros"]),
            ),
        ):
            counter = CounterMetricFamily(name, text, labels=["team"])
            counter.add_metric([team], value)
            yield counter
        tokens = CounterMetricFamily(
            "factory_llm_tokens", "LLM tokens to date", labels=["team", "direction"]
        )
        tokens.add_metric([team, "in"], found["tokens_in"])
        tokens.add_metric([team, "out"], found["tokens_out"])
        yield tokens


def exposition(team_id: str) -> bytes:
    """The team's figures in Prometheus' text format (version 0.0.4)."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.exposition import generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_TeamCollector(team_id, _figures(team_id)))
    return bytes(generate_latest(registry))
