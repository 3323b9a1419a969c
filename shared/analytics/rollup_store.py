"""The analytics rollups' writes: ``ADD``s put into the transaction that creates or moves a
task (shared.tasks.store), so that a day's figures are exact without reading a task.

Every change to one rollup item is gathered first and written as one UpdateItem: a
transaction may not touch an item twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.transactions import TransactWrite

from shared.analytics.models import (
    RETENTION_DAYS,
    TaskRollupItem,
    agent_day_key,
    day_key,
    worker_key,
)
from shared.costs.amounts import usd_to_micros
from shared.db.base import team_partition
from shared.tasks.domain import RUNNING, TERMINAL, Task

_RETENTION = timedelta(days=RETENTION_DAYS)


def _expiry(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + _RETENTION


class _Adds:
    """What to add to which rollup item, one UpdateItem per item."""

    def __init__(self, team_id: str) -> None:
        self.team_id = team_id
        self.counts: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.labels: dict[str, tuple[str, str | None, date | None]] = {}

    def add(
        self,
        key: str,
        label: str,
        figures: dict[str, int],
        *,
        agent: str | None = None,
        day: date | None = None,
    ) -> None:
        self.labels[key] = (label, agent, day)
        for name, value in figures.items():
            self.counts[key][name] += value

    def write(self, transaction: TransactWrite) -> None:
        partition = team_partition(self.team_id)
        for key, figures in self.counts.items():
            label, agent, day = self.labels[key]
            actions: list[Any] = [
                TaskRollupItem.team_id.set(self.team_id),
                TaskRollupItem.label.set(label),
            ]
            actions += [
                getattr(TaskRollupItem, name).add(value) for name, value in figures.items() if value
            ]
            if len(actions) == 2:
                continue  # everything cancelled out: nothing to write
            if agent is not None:
                actions.append(TaskRollupItem.agent_id.set(agent))
            if day is not None:
                actions.append(TaskRollupItem.expires_at.set(_expiry(day)))
            transaction.update(
                TaskRollupItem(partition, key), actions=actions, add_version_condition=False
            )


def _per_day(adds: _Adds, day: date, agent_id: str | None, figures: dict[str, int]) -> None:
    adds.add(day_key(day), day.isoformat(), figures, day=day)
    if agent_id:
        adds.add(agent_day_key(day, agent_id), agent_id, figures, agent=agent_id, day=day)


def _ended(task: Task, now: datetime) -> dict[str, int]:
    figures: dict[str, int] = {task.status: 1}
    if task.tokens:
        figures["tokens"] = int(task.tokens)
    if task.cost_usd:
        figures["cost_micros"] = usd_to_micros(task.cost_usd)
    if task.started_at is not None:
        ended_at = task.completed_at or now
        figures["run_ms"] = max(int((ended_at - task.started_at).total_seconds() * 1000), 0)
        figures["timed"] = 1
    return figures


def _running_on(task: Task | None) -> str | None:
    if task is None or task.status != RUNNING:
        return None
    return task.worker_id


def task_written(
    transaction: TransactWrite, before: Task | None, after: Task, now: datetime
) -> None:
    """Add to `transaction` what the task's creation (`before` None) or its move from
    `before` to `after` changes in the rollups: created, given to an agent, ended, running
    on a worker."""
    adds = _Adds(after.team_id)
    today = now.astimezone(UTC).date()
    if before is None:
        created_day = (after.created_at or now).astimezone(UTC).date()
        _per_day(adds, created_day, after.agent_id, {"created": 1})
    elif after.agent_id and after.agent_id != before.agent_id:
        # A pending task given an agent: counted as the agent's from that day.
        adds.add(
            agent_day_key(today, after.agent_id),
            after.agent_id,
            {"created": 1},
            agent=after.agent_id,
            day=today,
        )
    if after.status in TERMINAL and (before is None or before.status not in TERMINAL):
        ended_day = (after.completed_at or now).astimezone(UTC).date()
        _per_day(adds, ended_day, after.agent_id, _ended(after, now))
    was_on, now_on = _running_on(before), _running_on(after)
    if was_on != now_on:
        if was_on:
            adds.add(worker_key(was_on), was_on, {"running": -1})
        if now_on:
            adds.add(worker_key(now_on), now_on, {"running": 1})
    adds.write(transaction)
