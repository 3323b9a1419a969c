"""The rules of tasks and boards, on plain typed arguments.

A task's agent decides where it runs: none → `pending` (a person or a board's agent takes
it); an agent without a worker → `queued` and a message on `task-runs` (shared.tasks.runs
runs it through the router); an agent on a worker → `queued`, no message: the worker pulls
it (`pending_for_agents`, `claim_for_worker`, `finish_for_worker`). Every change is a
conditional transition (shared.tasks.store), announced as an event; a task that ends
reports to the workflow waiting on it (shared.tasks.callbacks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

from shared import events
from shared.errors import Conflict, NotFound, ServiceUnavailable
from shared.ids import new_id, utcnow
from shared.pagination import PageParams
from shared.tasks import callbacks, store
from shared.tasks.domain import (
    ACTIVE,
    ERROR_CHARS,
    EVENT_RESULT_CHARS,
    NOT_STARTED,
    PENDING,
    QUEUED,
    RUNNING,
    TASK_STATUSES,
    TERMINAL,
    Board,
    Presence,
    Task,
    TaskStats,
)
from shared.tasks.requests import TaskCreate, TaskUpdate

QUEUE = "task-runs"
CREATED_EVENT = "task.created"
UPDATED_EVENT = "task.updated"
COMPLETED_EVENT = "task.completed"
FAILED_EVENT = "task.failed"
# A transition lost to another writer is read and tried again this often.
_ATTEMPTS = 3


def _agent_worker(team_id: str, agent_id: str) -> str | None:
    """The agent's worker (None: it runs in the cloud); NotFound for an agent the team
    does not have, deleted or another team's."""
    from shared.agents import store as agents

    agent = agents.get_live_agent(team_id, agent_id)
    if agent is None:
        raise NotFound(f"agent {agent_id} not found")
    return agent.worker_id


def _board_exists(team_id: str, board_id: str) -> None:
    if store.get_board(team_id, board_id) is None:
        raise NotFound(f"board {board_id} not found")


def create_task(
    team_id: str, user_id: str, request: TaskCreate, *, task_token: str | None = None
) -> Task:
    """A new task, queued for its agent (a message on task-runs unless the agent runs on a
    worker) or pending without one."""
    status = PENDING
    on_worker = False
    if request.agent_id is not None:
        on_worker = _agent_worker(team_id, request.agent_id) is not None
        status = QUEUED
    if request.board_id is not None:
        _board_exists(team_id, request.board_id)
    task = Task(
        team_id=team_id,
        id=new_id(),
        title=request.title,
        description=request.description,
        instructions=request.instructions,
        status=status,
        priority=request.priority,
        agent_id=request.agent_id,
        deadline=request.deadline,
        required_tools=tuple(request.required_tools),
        board_id=request.board_id,
        created_by=user_id,
        task_token=task_token,
    )
    created = store.create_task(task)
    if created is None:
        raise NotFound(f"board {request.board_id} not found")
    events.publish(CREATED_EVENT, event_data(created))
    if status == QUEUED and not on_worker:
        _send(created)
    return created


def _send(task: Task) -> None:
    """Queue the task's run; a queue that refuses it fails the task (nothing would run it)."""
    from shared import queues

    try:
        queues.send(QUEUE, {"team_id": task.team_id, "task_id": task.id})
    except Exception as exc:
        end(task, "failed", error="the task could not be queued; create it again")
        raise ServiceUnavailable("the task queue is unavailable; try again shortly") from exc


def get_task(team_id: str, task_id: str) -> Task:
    task = store.get_task(team_id, task_id)
    if task is None:
        raise NotFound("task not found")
    return task


def list_tasks(
    team_id: str, params: PageParams, *, status: str | None = None
) -> tuple[list[Task], int, str | None]:
    return store.list_tasks(team_id, params, status=status)


def task_stats(team_id: str) -> TaskStats:
    return store.task_stats(team_id)


def update_task(team_id: str, task_id: str, request: TaskUpdate) -> Task:
    """Change the fields given. A task that ended takes no change (409); an agent may be
    given to a pending task only, which then runs as a new task with that agent would."""
    changes = request.changes()
    if "board_id" in changes:
        _board_exists(team_id, changes["board_id"])
    for _ in range(_ATTEMPTS):
        task = get_task(team_id, task_id)
        if task.status in TERMINAL:
            raise Conflict(f"task {task_id} is {task.status}: it can no longer change")
        fields = dict(changes)
        if "required_tools" in fields:
            fields["required_tools"] = tuple(dict.fromkeys(fields["required_tools"]))
        on_worker = False
        if "agent_id" in fields and fields["agent_id"] != task.agent_id:
            if task.status != PENDING:
                raise Conflict(f"task {task_id} is {task.status}: its agent can no longer change")
            on_worker = _agent_worker(team_id, fields["agent_id"]) is not None
            fields["status"] = QUEUED
        updated = store.transition(task, replace(task, **fields))
        if updated is None:
            continue
        events.publish(UPDATED_EVENT, event_data(updated))
        if updated.status == QUEUED and task.status == PENDING and not on_worker:
            _send(updated)
        return updated
    raise Conflict(f"task {task_id} was changed by another request; reload and retry")


def cancel_task(team_id: str, task_id: str) -> Task:
    """pending/queued/running → cancelled (a running task's result, when it comes, is
    dropped: its write is conditioned on the task still running). 409 once it ended."""
    for _ in range(_ATTEMPTS):
        task = get_task(team_id, task_id)
        if task.status not in ACTIVE:
            raise Conflict(f"task {task_id} is {task.status}: only an unfinished task is cancelled")
        cancelled = end(task, "cancelled", error="cancelled")
        if cancelled is not None:
            return cancelled
    raise Conflict(f"task {task_id} was changed by another request; reload and retry")


def end(
    task: Task,
    status: Literal["completed", "failed", "cancelled"],
    *,
    result: str | None = None,
    error: str | None = None,
    tokens: int | None = None,
    cost_usd: float | None = None,
    worker_id: str | None = None,
) -> Task | None:
    """Move `task` (as read) to its end, announce it and answer the workflow waiting on it;
    None when it was no longer in the status read (another writer ended or moved it)."""
    after = replace(
        task,
        status=status,
        result=result,
        error=None if error is None else error[:ERROR_CHARS],
        tokens=tokens,
        cost_usd=cost_usd,
        completed_at=utcnow(),
    )
    if worker_id is not None and task.worker_id != worker_id:
        return None
    ended = store.transition(task, after, same_worker=worker_id is not None)
    if ended is None:
        return None
    kind = {"completed": COMPLETED_EVENT, "failed": FAILED_EVENT}.get(status, UPDATED_EVENT)
    events.publish(kind, event_data(ended))
    callbacks.report(ended)
    return ended


def start(task: Task, *, worker_id: str | None = None) -> Task | None:
    """queued → running (by the runner, or on `worker_id`); None when it was not queued.

    Announced (task.updated) when a worker claims it, which may hold it for long; the
    runner's own start is not: it ends within the same invocation, and its end is
    announced, so the event would cost every bus consumer a delivery for nothing."""
    running = store.transition(
        task, replace(task, status=RUNNING, worker_id=worker_id, started_at=utcnow())
    )
    if running is not None and worker_id is not None:
        events.publish(UPDATED_EVENT, event_data(running))
    return running


def event_data(task: Task) -> dict[str, Any]:
    result = task.result
    return {
        "team_id": task.team_id,
        "task_id": task.id,
        "title": task.title,
        "status": task.status,
        "priority": task.priority,
        "agent_id": task.agent_id,
        "board_id": task.board_id,
        "worker_id": task.worker_id,
        "created_by": task.created_by,
        "result": None if result is None else result[:EVENT_RESULT_CHARS],
        "result_truncated": result is not None and len(result) > EVENT_RESULT_CHARS,
        "error": task.error,
        "tokens": task.tokens,
        "cost_usd": task.cost_usd,
    }


# What workers (shared.fleet, the fleet group) call.


def pending_for_agents(team_id: str, agent_ids: Sequence[str], limit: int) -> list[Task]:
    """Queued tasks assigned to these agents, oldest first (one Query per agent)."""
    return store.list_indexed(team_id, "AGENT", agent_ids, (QUEUED,), limit)


def claim_for_worker(team_id: str, task_id: str, worker_id: str) -> Task:
    """queued → running on `worker_id`; NotFound if not the team's, Conflict if not queued."""
    task = get_task(team_id, task_id)
    if task.status != QUEUED:
        raise Conflict(f"task {task_id} is {task.status}, not queued")
    claimed = start(task, worker_id=worker_id)
    if claimed is None:
        raise Conflict(f"task {task_id} was claimed by another request")
    return claimed


def finish_for_worker(
    team_id: str,
    task_id: str,
    worker_id: str,
    *,
    status: Literal["completed", "failed"],
    result: str | None,
    error: str | None,
    tokens: int | None,
    cost_usd: float | None,
) -> Task:
    """running on `worker_id` → completed/failed; Conflict if it is not running there. A
    report the worker sends again (its answer was lost) is answered as the first was."""
    task = get_task(team_id, task_id)
    if task.worker_id == worker_id and task.status == status:
        ended: Task | None = task
    elif task.status != RUNNING or task.worker_id != worker_id:
        raise Conflict(f"task {task_id} is not running on worker {worker_id}")
    else:
        ended = end(
            task,
            status,
            result=result,
            error=error,
            tokens=tokens,
            cost_usd=cost_usd,
            worker_id=worker_id,
        )
    if ended is None:
        raise Conflict(f"task {task_id} is not running on worker {worker_id}")
    return ended


def requeue_worker_tasks(team_id: str, worker_id: str) -> int:
    """The worker's running tasks back to queued (it went offline); how many moved."""
    moved = 0
    running = store.list_indexed(team_id, "WORKER", (worker_id,), (RUNNING,), store.MAX_KEYS)
    for task in running:
        back = store.transition(
            task,
            replace(task, status=QUEUED, worker_id=None, started_at=None),
            same_worker=True,
        )
        if back is not None:
            moved += 1
            events.publish(UPDATED_EVENT, event_data(back))
    return moved


# Boards and agents checking in.


def create_board(team_id: str, name: str, description: str) -> Board:
    now = utcnow()
    return store.create_board(
        Board(
            team_id=team_id,
            id=new_id(),
            name=name,
            description=description,
            created_at=now,
            updated_at=now,
        )
    )


def get_board(team_id: str, board_id: str) -> Board:
    board = store.get_board(team_id, board_id)
    if board is None:
        raise NotFound("board not found")
    return board


def list_boards(team_id: str, params: PageParams) -> tuple[list[Board], int, str | None]:
    return store.list_boards(team_id, params)


def update_board(team_id: str, board_id: str, changes: dict[str, str]) -> Board:
    get_board(team_id, board_id)
    board = store.update_board(team_id, board_id, changes) if changes else None
    return board or get_board(team_id, board_id)


def delete_board(team_id: str, board_id: str) -> None:
    if not store.delete_board(team_id, board_id):
        raise NotFound("board not found")


def heartbeat(team_id: str, agent_id: str, board_id: str, name: str, status: str) -> Presence:
    """Record the agent's check-in on the board (its last_seen_at)."""
    get_board(team_id, board_id)
    return store.save_presence(
        Presence(
            team_id=team_id,
            board_id=board_id,
            agent_id=agent_id,
            name=name,
            status=status,
            last_seen_at=utcnow(),
        )
    )


def board_tasks(team_id: str, board_id: str, status: str, limit: int) -> list[Task]:
    """The board's tasks in `status` (`inbox`: not started), oldest first."""
    get_board(team_id, board_id)
    statuses = NOT_STARTED if status == "inbox" else (status,)
    if any(s not in TASK_STATUSES for s in statuses):
        raise NotFound(f"no status {status}")
    return store.list_indexed(team_id, "BOARD", (board_id,), statuses, limit)
