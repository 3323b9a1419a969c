"""The fleet group's rules: registration (capped per team), heartbeats that bring a worker
back online, the tasks of a worker's agents (only for an approved worker), approval."""

from __future__ import annotations

from statistics import fmean
from typing import Any

from functions.fleet.schemas import (
    WorkerApproval,
    WorkerHeartbeat,
    WorkerRegister,
    WorkerTaskFinish,
)
from shared import events
from shared.approvals.reviews import open_for_task
from shared.errors import Conflict, NotFound
from shared.fleet import store
from shared.fleet.domain import ONLINE, ONLINE_EVENT, Metrics, Worker, event_data
from shared.ids import new_id, utcnow
from shared.pagination import PageParams
from shared.tasks import service as tasks
from shared.tasks.domain import Task

# A team's fleet is read whole by the overview: it stays bounded.
MAX_WORKERS = 200


def register(team_id: str, user_id: str, body: WorkerRegister) -> Worker:
    if store.count_workers(team_id) >= MAX_WORKERS:
        raise Conflict(f"the team already has {MAX_WORKERS} workers")
    now = utcnow()
    return store.create_worker(
        Worker(
            team_id=team_id,
            worker_id=new_id(),
            name=body.name,
            hostname=body.hostname,
            ip_address=body.ip_address,
            max_agents=body.max_agents,
            cpu_cores=body.cpu_cores,
            memory_total_mb=body.memory_total_mb,
            os_info=body.os_info,
            status=ONLINE,
            # An admin approves a new worker before it is given tasks.
            is_approved=False,
            group=None,
            registered_by=user_id,
            metrics=None,
            last_heartbeat_at=now,
            created_at=now,
            updated_at=now,
        )
    )


def get_worker(team_id: str, worker_id: str) -> Worker:
    worker = store.get_worker(team_id, worker_id)
    if worker is None:
        raise NotFound(f"worker {worker_id} not found")
    return worker


def heartbeat(team_id: str, worker_id: str, body: WorkerHeartbeat) -> Worker:
    metrics = Metrics(body.cpu_usage_percent, body.memory_usage_percent, body.disk_usage_percent)
    beat = store.record_heartbeat(team_id, worker_id, metrics, utcnow())
    if beat is None:
        raise NotFound(f"worker {worker_id} not found")
    worker, came_back = beat
    if came_back:
        events.publish(ONLINE_EVENT, event_data(worker))
    return worker


def _approved(team_id: str, worker_id: str) -> Worker:
    worker = get_worker(team_id, worker_id)
    if not worker.is_approved:
        raise Conflict(f"worker {worker_id} is not approved yet: an admin approves it first")
    return worker


def pending_tasks(team_id: str, worker_id: str, limit: int) -> list[Task]:
    _approved(team_id, worker_id)
    agent_ids = store.agents_on_worker(team_id, worker_id)
    if not agent_ids:
        return []
    return tasks.pending_for_agents(team_id, agent_ids, limit)


def claim(team_id: str, worker_id: str, task_id: str) -> Task:
    _approved(team_id, worker_id)
    task = tasks.get_task(team_id, task_id)
    # Only a task of one of this worker's agents: another's is not this worker's to see.
    if task.agent_id is None or task.agent_id not in store.agents_on_worker(team_id, worker_id):
        raise NotFound(f"task {task_id} not found")
    return tasks.claim_for_worker(team_id, task_id, worker_id)


def finish(team_id: str, worker_id: str, task_id: str, body: WorkerTaskFinish) -> Task:
    """The worker's report recorded (a repeated one answered as the first), and a completed
    task's code opened for review, as the task runner does for tasks it runs: once per task,
    so a repeated report opens it if the first failed to."""
    get_worker(team_id, worker_id)
    ended = tasks.finish_for_worker(
        team_id,
        task_id,
        worker_id,
        status=body.status,
        result=body.result,
        error=body.error,
        tokens=body.tokens,
        cost_usd=body.cost_usd,
    )
    open_for_task(ended)
    return ended


def overview(team_id: str) -> dict[str, Any]:
    workers = store.all_workers(team_id)
    online = [w for w in workers if w.status == ONLINE]
    measured = [w.metrics for w in online if w.metrics is not None]

    def average(values: list[float]) -> float | None:
        return round(fmean(values), 2) if values else None

    approved = sum(1 for w in workers if w.is_approved)
    return {
        "total": len(workers),
        "online": len(online),
        "offline": len(workers) - len(online),
        "approved": approved,
        "pending_approval": len(workers) - approved,
        "agent_capacity": sum(w.max_agents for w in workers if w.is_approved),
        "avg_cpu_usage_percent": average([m.cpu_usage_percent for m in measured]),
        "avg_memory_usage_percent": average([m.memory_usage_percent for m in measured]),
        "avg_disk_usage_percent": average([m.disk_usage_percent for m in measured]),
    }


def list_workers(team_id: str, params: PageParams) -> tuple[list[Worker], int, str | None]:
    return store.list_workers(team_id, params)


def approve(team_id: str, worker_id: str, body: WorkerApproval) -> Worker:
    worker = store.set_approval(team_id, worker_id, body.is_approved, body.group, utcnow())
    if worker is None:
        raise NotFound(f"worker {worker_id} not found")
    return worker
