"""Workers' storage (keys in shared.fleet.models): the only module of the fleet that
touches the table; domain objects out. Every write is a save conditioned on the version
read (TeamItem's VersionAttribute), so a heartbeat and the sweep never undo each other:
the loser reads again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from shared.agents.models import AGENT_PREFIX, AgentItem
from shared.db.base import get_or_none, insert, storage_errors, team_partition
from shared.db.query import query_page
from shared.errors import Conflict
from shared.fleet.domain import OFFLINE, ONLINE, Metrics, Worker
from shared.fleet.models import ONLINE_INDEX, WorkerItem, heartbeat_sort_key, worker_key
from shared.ids import looks_like_id
from shared.pagination import PageParams


def heartbeat_iso(moment: datetime) -> str:
    """A fixed-width UTC time, so sort keys compare as the times do."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _to_worker(item: WorkerItem) -> Worker:
    metrics = None
    if item.cpu_usage_percent is not None:
        metrics = Metrics(
            cpu_usage_percent=float(item.cpu_usage_percent),
            memory_usage_percent=float(item.memory_usage_percent or 0),
            disk_usage_percent=float(item.disk_usage_percent or 0),
        )
    return Worker(
        team_id=item.team_id,
        worker_id=item.worker_id,
        name=item.name,
        hostname=item.hostname,
        ip_address=item.ip_address,
        max_agents=int(item.max_agents),
        cpu_cores=None if item.cpu_cores is None else int(item.cpu_cores),
        memory_total_mb=None if item.memory_total_mb is None else int(item.memory_total_mb),
        os_info=item.os_info,
        status=OFFLINE if item.status == OFFLINE else ONLINE,
        is_approved=bool(item.is_approved),
        group=item.group,
        registered_by=item.registered_by,
        metrics=metrics,
        last_heartbeat_at=item.last_heartbeat_at,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _mark_online(item: WorkerItem, moment: datetime) -> None:
    item.status = ONLINE
    item.last_heartbeat_at = moment
    item.gsi1pk = ONLINE_INDEX
    item.gsi1sk = heartbeat_sort_key(heartbeat_iso(moment), item.team_id, item.worker_id)


def count_workers(team_id: str) -> int:
    with storage_errors("worker"):
        return WorkerItem.count(team_partition(team_id), WorkerItem.sk.startswith(worker_key()))


def create_worker(worker: Worker) -> Worker:
    """Store a new worker, online from its registration (its first sign of life)."""
    item = WorkerItem(
        team_partition(worker.team_id),
        worker_key(worker.worker_id),
        team_id=worker.team_id,
        worker_id=worker.worker_id,
        name=worker.name,
        hostname=worker.hostname,
        ip_address=worker.ip_address,
        max_agents=worker.max_agents,
        cpu_cores=worker.cpu_cores,
        memory_total_mb=worker.memory_total_mb,
        os_info=worker.os_info,
        is_approved=worker.is_approved,
        group=worker.group,
        registered_by=worker.registered_by,
        created_at=worker.created_at,
        updated_at=worker.updated_at,
    )
    _mark_online(item, worker.created_at)
    return _to_worker(insert(item, "worker"))


def _get_item(team_id: str, worker_id: str) -> WorkerItem | None:
    if not looks_like_id(worker_id):
        return None
    return get_or_none(WorkerItem, team_partition(team_id), worker_key(worker_id), consistent=True)


def get_worker(team_id: str, worker_id: str) -> Worker | None:
    item = _get_item(team_id, worker_id)
    return None if item is None else _to_worker(item)


def list_workers(team_id: str, params: PageParams) -> tuple[list[Worker], int, str | None]:
    """The team's workers, oldest first: one Query on the WORKER# range."""
    items, total, cursor = query_page(
        WorkerItem,
        team_partition(team_id),
        params,
        range_key_condition=WorkerItem.sk.startswith(worker_key()),
        newest_first=False,
    )
    return [_to_worker(item) for item in items], total, cursor


def all_workers(team_id: str) -> list[Worker]:
    """Every worker of the team (bounded: a team registers at most MAX_WORKERS)."""
    with storage_errors("worker"):
        items = WorkerItem.query(team_partition(team_id), WorkerItem.sk.startswith(worker_key()))
        return [_to_worker(item) for item in items]


def _save(item: WorkerItem) -> bool:
    """Save conditioned on the version read; False when another write came first."""
    try:
        with storage_errors("worker"):
            item.save()
    except Conflict:
        return False
    return True


def record_heartbeat(
    team_id: str, worker_id: str, metrics: Metrics, moment: datetime
) -> tuple[Worker, bool] | None:
    """Store the metrics and mark the worker online: (worker, whether it was offline), or
    None when it is not the team's. A write lost to the sweep is read and done again."""
    for _attempt in range(3):
        item = _get_item(team_id, worker_id)
        if item is None:
            return None
        was_offline = item.status == OFFLINE
        item.cpu_usage_percent = metrics.cpu_usage_percent
        item.memory_usage_percent = metrics.memory_usage_percent
        item.disk_usage_percent = metrics.disk_usage_percent
        item.updated_at = moment
        _mark_online(item, moment)
        if _save(item):
            return _to_worker(item), was_offline
    raise Conflict(f"worker {worker_id} was changed by another request; try again")


def set_approval(
    team_id: str, worker_id: str, is_approved: bool, group: str | None, moment: datetime
) -> Worker | None:
    for _attempt in range(3):
        item = _get_item(team_id, worker_id)
        if item is None:
            return None
        item.is_approved = is_approved
        item.group = group
        item.updated_at = moment
        if _save(item):
            return _to_worker(item)
    raise Conflict(f"worker {worker_id} was changed by another request; try again")


def stale_online(before: datetime, limit: int = 100) -> list[tuple[str, str]]:
    """(team, worker) of online workers whose last heartbeat is older than `before`,
    oldest first: one Query on the sparse online index, never a Scan."""
    with storage_errors("worker"):
        items = WorkerItem.online_by_heartbeat.query(
            ONLINE_INDEX,
            WorkerItem.gsi1sk < heartbeat_iso(before),
            limit=limit,
        )
        return [(item.team_id, item.worker_id) for item in items]


def mark_offline(team_id: str, worker_id: str, before: datetime) -> Worker | None:
    """online → offline if its last heartbeat is still older than `before`; the worker,
    or None when it is gone, already offline or beat in the meantime (conditional)."""
    item = _get_item(team_id, worker_id)
    if item is None or item.status != ONLINE:
        return None
    if item.last_heartbeat_at is not None and item.last_heartbeat_at >= before:
        return None
    item.status = OFFLINE
    item.gsi1pk = None
    item.gsi1sk = None
    if not _save(item):
        return None
    return replace(_to_worker(item), status=OFFLINE)


def agents_on_worker(team_id: str, worker_id: str) -> list[str]:
    """Ids of the team's live agents that run on this worker: one Query on the team's
    agents, projected (a team's agents are a bounded set)."""
    condition: Any = (AgentItem.worker_id == worker_id) & AgentItem.deleted_at.does_not_exist()
    with storage_errors("agent"):
        items = AgentItem.query(
            team_partition(team_id),
            AgentItem.sk.startswith(AGENT_PREFIX),
            filter_condition=condition,
            attributes_to_get=["agent_id"],
        )
        return [item.agent_id for item in items]
