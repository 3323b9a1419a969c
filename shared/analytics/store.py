"""The analytics rollups read back (keys in shared.analytics.models): one Query per window,
one BatchGetItem per hundred workers; never a task read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from shared.analytics.domain import DayFigures
from shared.analytics.models import (
    TaskRollupItem,
    agent_day_key,
    day_key,
    worker_key,
)
from shared.db.base import storage_errors, team_partition
from shared.db.batch import MAX_KEYS, get_many


def _whole(value: float | None) -> int:
    return 0 if value is None else int(value)


def _figures(item: TaskRollupItem) -> DayFigures:
    return DayFigures(
        created=_whole(item.created),
        completed=_whole(item.completed),
        failed=_whole(item.failed),
        cancelled=_whole(item.cancelled),
        tokens=_whole(item.tokens),
        cost_micros=_whole(item.cost_micros),
        run_ms=_whole(item.run_ms),
        timed=_whole(item.timed),
    )


def task_days(team_id: str, first: date, last: date) -> dict[date, DayFigures]:
    """The team's day rollups from `first` to `last` (both included), by day; days with no
    task created or ended are absent. One Query, `sk BETWEEN` the two days' keys."""
    wanted = (last - first).days + 1
    with storage_errors("analytics"):
        items = TaskRollupItem.query(
            team_partition(team_id),
            TaskRollupItem.sk.between(day_key(first), day_key(last)),
            limit=wanted,
        )
        return {date.fromisoformat(item.label or ""): _figures(item) for item in items}


def agent_days(team_id: str, first: date, last: date) -> dict[str, DayFigures]:
    """Each agent's figures summed over `first`..`last`, by agent id: one Query over the
    window's agent-day items (one per agent that worked each day)."""
    upper = agent_day_key(last + timedelta(days=1))
    totals: dict[str, DayFigures] = {}
    with storage_errors("analytics"):
        items = TaskRollupItem.query(
            team_partition(team_id),
            TaskRollupItem.sk.between(agent_day_key(first), upper),
        )
        for item in items:
            if not item.agent_id:
                continue
            found = _figures(item)
            before = totals.get(item.agent_id)
            totals[item.agent_id] = found if before is None else before + found
    return totals


def running_on(team_id: str, worker_ids: Sequence[str]) -> dict[str, int]:
    """How many tasks run on each worker now, by worker id: one BatchGetItem per hundred
    workers (a worker with none is 0)."""
    partition = team_partition(team_id)
    counts = dict.fromkeys(worker_ids, 0)
    ids = list(counts)
    for start in range(0, len(ids), MAX_KEYS):
        keys = [(TaskRollupItem, partition, worker_key(w)) for w in ids[start : start + MAX_KEYS]]
        for key, item in get_many(keys).items():
            counts[key[2].removeprefix(worker_key(""))] = max(_whole(item.running), 0)
    return counts
