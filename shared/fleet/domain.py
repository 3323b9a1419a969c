"""What a worker is (the fleet's domain objects) and when it counts as gone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

WorkerStatus = Literal["online", "offline"]
ONLINE: WorkerStatus = "online"
OFFLINE: WorkerStatus = "offline"

# A worker whose last heartbeat is older than this is marked offline by the sweep.
OFFLINE_AFTER = timedelta(seconds=90)

ONLINE_EVENT = "worker.online"
OFFLINE_EVENT = "worker.offline"


@dataclass(frozen=True)
class Metrics:
    cpu_usage_percent: float
    memory_usage_percent: float
    disk_usage_percent: float


@dataclass(frozen=True)
class Worker:
    team_id: str
    worker_id: str
    name: str
    hostname: str
    ip_address: str | None
    max_agents: int
    cpu_cores: int | None
    memory_total_mb: int | None
    os_info: str | None
    status: WorkerStatus
    is_approved: bool
    group: str | None
    registered_by: str
    metrics: Metrics | None
    last_heartbeat_at: datetime | None
    created_at: datetime
    updated_at: datetime


def event_data(worker: Worker) -> dict[str, object]:
    """The detail of worker.online / worker.offline."""
    return {
        "team_id": worker.team_id,
        "worker_id": worker.worker_id,
        "name": worker.name,
        "hostname": worker.hostname,
        "status": worker.status,
        "last_heartbeat_at": worker.last_heartbeat_at,
    }
