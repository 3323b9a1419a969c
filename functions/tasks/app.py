"""The tasks group's app: `/tasks` (CRUD, stats, cancel), `/boards`, and the two routes
an agent calls with its X-Agent-Token (`POST /agent/heartbeat`,
`GET /agent/boards/{board_id}/tasks`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Query

from functions.tasks.schemas import (
    AgentTaskStatus,
    BoardCreate,
    BoardPublic,
    BoardUpdate,
    Heartbeat,
    HeartbeatPublic,
    TaskCreate,
    TaskListParams,
    TaskPublic,
    TaskStatsPublic,
    TaskUpdate,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AgentOrUser, CurrentPrincipal
from shared.auth.principal import Principal
from shared.errors import Forbidden, error_responses
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.path_ids import IdPath
from shared.tasks import service
from shared.tasks.domain import Board, Task

router = group_router(tags=["tasks"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)


def _task(task: Task) -> dict[str, Any]:
    answer = asdict(task)
    answer.pop("team_id")
    answer.pop("task_token")  # a workflow's Step Functions token: never answered
    answer["required_tools"] = list(task.required_tools)
    return answer


def _board(board: Board) -> dict[str, Any]:
    answer = asdict(board)
    answer.pop("team_id")
    return answer


@router.get(
    "/tasks/stats",
    response_model=TaskStatsPublic,
    summary="How many tasks the team has, by status and by priority (from counters)",
)
async def task_stats(principal: CurrentPrincipal) -> dict[str, Any]:
    stats = service.task_stats(principal.team_id)
    return {"by_status": stats.by_status, "by_priority": stats.by_priority, "total": stats.total}


@router.get(
    "/tasks",
    response_model=Page[TaskPublic],
    responses=LIST_RESPONSES,
    summary="The team's tasks, newest first, optionally in one status",
)
async def list_tasks(
    principal: CurrentPrincipal, params: Annotated[TaskListParams, Query()]
) -> dict[str, Any]:
    items, total, cursor = service.list_tasks(
        principal.team_id, params, status=params.status or params.status_filter
    )
    return page_answer([_task(item) for item in items], total, params, cursor)


@router.post(
    "/tasks",
    status_code=201,
    response_model=TaskPublic,
    # 404: an agent or board the team does not have; 503: the run could not be queued.
    responses=error_responses(404, 409, 503),
    summary="Create a task: run by its agent (in the cloud or on its worker), or pending",
)
async def create_task(body: TaskCreate, principal: CurrentPrincipal) -> dict[str, Any]:
    return _task(service.create_task(principal.team_id, principal.subject, body))


@router.get("/tasks/{task_id:ulid}", response_model=TaskPublic, responses=_FOUND, summary="A task")
async def get_task(task_id: IdPath, principal: CurrentPrincipal) -> dict[str, Any]:
    return _task(service.get_task(principal.team_id, task_id))


@router.patch(
    "/tasks/{task_id:ulid}",
    response_model=TaskPublic,
    # 409: the task ended, or its agent can no longer change.
    responses=error_responses(404, 409, 503),
    summary="Change a task's fields",
)
async def update_task(
    task_id: IdPath, body: TaskUpdate, principal: CurrentPrincipal
) -> dict[str, Any]:
    return _task(service.update_task(principal.team_id, task_id, body))


@router.post(
    "/tasks/{task_id:ulid}/cancel",
    response_model=TaskPublic,
    responses=error_responses(404, 409),
    summary="Cancel a task not finished yet (a running task's result is dropped)",
)
async def cancel_task(task_id: IdPath, principal: CurrentPrincipal) -> dict[str, Any]:
    return _task(service.cancel_task(principal.team_id, task_id))


# Boards.


@router.get(
    "/boards",
    response_model=Page[BoardPublic],
    responses=LIST_RESPONSES,
    summary="The team's boards, newest first",
)
async def list_boards(principal: CurrentPrincipal, params: Pagination) -> dict[str, Any]:
    items, total, cursor = service.list_boards(principal.team_id, params)
    return page_answer([_board(item) for item in items], total, params, cursor)


@router.post(
    "/boards",
    status_code=201,
    response_model=BoardPublic,
    responses=error_responses(409),
    summary="Create a board",
)
async def create_board(body: BoardCreate, principal: CurrentPrincipal) -> dict[str, Any]:
    return _board(service.create_board(principal.team_id, body.name, body.description))


@router.get("/boards/{board_id}", response_model=BoardPublic, responses=_FOUND, summary="A board")
async def get_board(board_id: IdPath, principal: CurrentPrincipal) -> dict[str, Any]:
    return _board(service.get_board(principal.team_id, board_id))


@router.patch(
    "/boards/{board_id}",
    response_model=BoardPublic,
    responses=_FOUND,
    summary="Rename or describe a board",
)
async def update_board(
    board_id: IdPath, body: BoardUpdate, principal: CurrentPrincipal
) -> dict[str, Any]:
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    return _board(service.update_board(principal.team_id, board_id, changes))


@router.delete("/boards/{board_id}", status_code=204, responses=_FOUND, summary="Delete a board")
async def delete_board(board_id: IdPath, principal: CurrentPrincipal) -> None:
    service.delete_board(principal.team_id, board_id)


# Agents checking in (seed 004): X-Agent-Token, rate limited per address.


def _agent_only(principal: Principal) -> None:
    if principal.role != "agent":
        raise Forbidden("This route is for agents: send their X-Agent-Token")


@router.post(
    "/agent/heartbeat",
    response_model=HeartbeatPublic,
    responses=error_responses(404, 429),
    summary="An agent checks in on a board (its last_seen_at)",
)
async def heartbeat(body: Heartbeat, principal: AgentOrUser) -> dict[str, Any]:
    _agent_only(principal)
    presence = service.heartbeat(
        principal.team_id, principal.subject, body.board_id, body.name, body.status
    )
    return {
        "agent_id": presence.agent_id,
        "name": presence.name,
        "board_id": presence.board_id,
        "status": presence.status,
        "last_seen_at": presence.last_seen_at,
    }


@router.get(
    "/agent/boards/{board_id}/tasks",
    response_model=list[TaskPublic],
    responses=error_responses(404, 429),
    summary="A board's tasks for its agents (and the team's people), oldest first "
    "(`inbox`: not started)",
)
async def board_tasks(
    board_id: IdPath,
    principal: AgentOrUser,
    status: AgentTaskStatus = "inbox",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, Any]]:
    tasks = service.board_tasks(principal.team_id, board_id, status, limit)
    return [_task(task) for task in tasks]


app = create_app("tasks", router)
