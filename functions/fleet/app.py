"""The fleet group's app (seed 003 Workers and Admin workers): a worker registers, beats
every few seconds with its CPU, memory and disk usage, pulls the queued tasks of the
agents that run on it, claims and finishes them; the team's overview; admins list the
workers with their metrics and approve them (a new worker gets no task before that).
Another team's worker or task is 404."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Path, Query

from functions.fleet import service
from functions.fleet.schemas import (
    ID_PATTERN,
    FleetOverview,
    WorkerApproval,
    WorkerHeartbeat,
    WorkerPublic,
    WorkerRegister,
    WorkerTaskFinish,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.errors import error_responses
from shared.fleet.domain import Worker
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.tasks.domain import Task
from shared.tasks.schemas import TaskPublic

router = group_router(tags=["fleet"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]


def _worker(worker: Worker) -> dict[str, Any]:
    answer = asdict(worker)
    answer["id"] = answer.pop("worker_id")
    answer.pop("team_id")
    return answer


def _task(task: Task) -> dict[str, Any]:
    answer = asdict(task)
    answer.pop("team_id")
    answer.pop("task_token")  # a workflow's Step Functions token: never answered
    answer["required_tools"] = list(task.required_tools)
    return answer


@router.post(
    "/workers/register",
    status_code=201,
    response_model=WorkerPublic,
    # 409: the team has as many workers as it may.
    responses=error_responses(409),
    summary="Register a worker node (it gets tasks once an admin approves it)",
)
async def register(body: WorkerRegister, principal: CurrentPrincipal) -> dict[str, Any]:
    return _worker(service.register(principal.team_id, principal.subject, body))


@router.get(
    "/workers/overview",
    response_model=FleetOverview,
    summary="The team's fleet: workers online and offline, approvals, capacity, average load",
)
async def overview(principal: CurrentPrincipal) -> dict[str, Any]:
    return service.overview(principal.team_id)


@router.post(
    "/workers/{worker_id}/heartbeat",
    response_model=WorkerPublic,
    responses={**_FOUND, **error_responses(409)},
    summary="A worker's heartbeat with its load (an offline worker comes back online)",
)
async def heartbeat(
    worker_id: IdPath, body: WorkerHeartbeat, principal: CurrentPrincipal
) -> dict[str, Any]:
    return _worker(service.heartbeat(principal.team_id, worker_id, body))


@router.get(
    "/workers/{worker_id}/tasks",
    response_model=list[TaskPublic],
    # 409: the worker is not approved yet.
    responses={**_FOUND, **error_responses(409)},
    summary="Queued tasks of the agents that run on this worker, oldest first",
)
async def pending_tasks(
    worker_id: IdPath,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, Any]]:
    tasks = service.pending_tasks(principal.team_id, worker_id, limit)
    return [_task(task) for task in tasks]


@router.post(
    "/workers/{worker_id}/tasks/{task_id}/claim",
    response_model=TaskPublic,
    # 409: the worker is not approved, or the task is no longer queued.
    responses={**_FOUND, **error_responses(409)},
    summary="Claim a queued task of one of the worker's agents (it is running there then)",
)
async def claim(worker_id: IdPath, task_id: IdPath, principal: CurrentPrincipal) -> dict[str, Any]:
    return _task(service.claim(principal.team_id, worker_id, task_id))


@router.post(
    "/workers/{worker_id}/tasks/{task_id}/complete",
    response_model=TaskPublic,
    # 409: the task is not running on this worker.
    responses={**_FOUND, **error_responses(409)},
    summary="Report a claimed task's end: its result, or the error it failed with",
)
async def complete(
    worker_id: IdPath, task_id: IdPath, body: WorkerTaskFinish, principal: CurrentPrincipal
) -> dict[str, Any]:
    return _task(service.finish(principal.team_id, worker_id, task_id, body))


@router.get(
    "/admin/workers",
    response_model=Page[WorkerPublic],
    responses=LIST_RESPONSES,
    summary="The team's workers with their latest metrics (admins)",
)
async def admin_list(principal: AdminPrincipal, params: Pagination) -> dict[str, Any]:
    items, total, cursor = service.list_workers(principal.team_id, params)
    return page_answer([_worker(item) for item in items], total, params, cursor)


@router.patch(
    "/admin/workers/{worker_id}/approve",
    response_model=WorkerPublic,
    responses={**_FOUND, **error_responses(409)},
    summary="Approve a worker (or take the approval back) and set its group (admins)",
)
async def approve(
    worker_id: IdPath, body: WorkerApproval, principal: AdminPrincipal
) -> dict[str, Any]:
    return _worker(service.approve(principal.team_id, worker_id, body))


app = create_app("fleet", router)
