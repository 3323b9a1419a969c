"""Tasks' and boards' storage (keys in shared.tasks.models): the only module of the area
that touches the table; domain objects out.

A task moves by `transition(before, after)`: one transaction that updates the fields that
changed on condition that the task is still in the status it was read in, moves its
board and agent index items, the status and priority counters and the analytics
rollups (shared.analytics.rollup_store: created, ended, running on a worker). A condition that
failed answers None (another writer got there first: the caller reads again).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from shared.analytics.rollup_store import task_written
from shared.db.base import get_or_none, insert, storage_errors, team_partition
from shared.db.batch import MAX_KEYS, ItemKey, get_many
from shared.db.query import query_page
from shared.db.transactions import condition_failed, transact
from shared.errors import BadRequest, Conflict
from shared.ids import looks_like_id, utcnow
from shared.pagination import PageParams, decode_cursor, encode_cursor
from shared.tasks.domain import PRIORITIES, TASK_STATUSES, Board, Presence, Task, TaskStats
from shared.tasks.models import (
    BOARD_PREFIX,
    TASK_PREFIX,
    BoardItem,
    PresenceItem,
    TaskCounterItem,
    TaskIndexItem,
    TaskItem,
    board_key,
    count_key,
    index_key,
    presence_key,
    status_partition,
    task_key,
)

# Task fields stored under the same attribute name (the rest are keys or derived).
_STORED = tuple(
    f.name for f in fields(Task) if f.name not in ("team_id", "id", "created_at", "required_tools")
)


def _to_task(item: TaskItem) -> Task:
    return Task(
        team_id=item.team_id,
        id=item.task_id,
        title=item.title,
        description=item.description or "",
        instructions=item.instructions,
        status=item.status,  # type: ignore[arg-type]  # written from TaskStatus only
        priority=item.priority,  # type: ignore[arg-type]  # written from Priority only
        agent_id=item.agent_id,
        deadline=item.deadline,
        required_tools=tuple(str(tool) for tool in item.required_tools or ()),
        board_id=item.board_id,
        result=item.result,
        tokens=None if item.tokens is None else int(item.tokens),
        cost_usd=None if item.cost_usd is None else float(item.cost_usd),
        error=item.error,
        worker_id=item.worker_id,
        created_by=item.created_by,
        created_at=item.created_at,
        updated_at=item.updated_at,
        started_at=item.started_at,
        completed_at=item.completed_at,
        task_token=item.task_token,
    )


def _dimensions(task: Task) -> list[tuple[str, str]]:
    """The index ranges the task is listed under (a worker's: what it runs, requeued
    when it goes offline)."""
    found = []
    if task.board_id:
        found.append(("BOARD", task.board_id))
    if task.agent_id:
        found.append(("AGENT", task.agent_id))
    if task.worker_id:
        found.append(("WORKER", task.worker_id))
    return found


def _index_item(task: Task, dimension: str, value: str) -> TaskIndexItem:
    return TaskIndexItem(
        team_partition(task.team_id),
        index_key(dimension, value, task.status, task.id),
        team_id=task.team_id,
        task_id=task.id,
    )


def _count(
    transaction: TransactWrite, team_id: str, dimension: str, value: str, delta: int
) -> None:
    transaction.update(
        TaskCounterItem(team_partition(team_id), count_key(dimension, value)),
        actions=[TaskCounterItem.total.add(delta), TaskCounterItem.team_id.set(team_id)],
        add_version_condition=False,
    )


def _counters(transaction: TransactWrite, before: Task | None, after: Task) -> None:
    changes: tuple[tuple[str, str | None, str], ...] = (
        ("STATUS", None if before is None else before.status, after.status),
        ("PRIORITY", None if before is None else before.priority, after.priority),
    )
    for dimension, old, new in changes:
        if old == new:
            continue
        if old is not None:
            _count(transaction, after.team_id, dimension, old, -1)
        _count(transaction, after.team_id, dimension, new, 1)


def _indexes(transaction: TransactWrite, before: Task | None, after: Task) -> None:
    old = (
        {}
        if before is None
        else {index_key(d, v, before.status, before.id): (d, v) for d, v in _dimensions(before)}
    )
    new = {index_key(d, v, after.status, after.id): (d, v) for d, v in _dimensions(after)}
    for key in old.keys() - new.keys():
        transaction.delete(
            TaskIndexItem(team_partition(after.team_id), key), add_version_condition=False
        )
    for key in new.keys() - old.keys():
        transaction.save(_index_item(after, *new[key]))


def create_task(task: Task) -> Task | None:
    """Store a new task with its index items and counts; None when its board is gone."""
    now = utcnow()
    task = replace(task, created_at=now, updated_at=now)
    item = TaskItem(
        team_partition(task.team_id),
        task_key(task.id),
        team_id=task.team_id,
        task_id=task.id,
        required_tools=list(task.required_tools),
        created_at=now,
        gsi1pk=status_partition(task.team_id, task.status),
        gsi1sk=task.id,
        **{name: getattr(task, name) for name in _STORED},
    )

    def write(transaction: TransactWrite) -> None:
        if task.board_id:
            transaction.condition_check(
                BoardItem,
                team_partition(task.team_id),
                board_key(task.board_id),
                BoardItem.pk.exists(),
            )
        transaction.save(item, condition=TaskItem.pk.does_not_exist())
        _indexes(transaction, None, task)
        _counters(transaction, None, task)
        task_written(transaction, None, task, now)

    reasons = transact(write, what="task")
    if reasons:
        if task.board_id and condition_failed(reasons, 0):
            return None
        raise Conflict("the task was stored by another request; try again")
    return _to_task(item)


def get_task(team_id: str, task_id: str, *, consistent: bool = False) -> Task | None:
    if not looks_like_id(task_id):
        return None
    item = get_or_none(TaskItem, team_partition(team_id), task_key(task_id), consistent=consistent)
    return None if item is None else _to_task(item)


def transition(
    before: Task, after: Task, *, same_worker: bool = False, same_start: bool = False
) -> Task | None:
    """Write what changed from `before` to `after` on condition that the task is still in
    `before.status` (and, if asked, still on `before.worker_id`, or started at
    `before.started_at`); the task as written, or None when it was not."""
    now = utcnow()
    after = replace(after, updated_at=now)
    actions: list[Any] = [TaskItem.updated_at.set(now)]
    for name in _STORED:
        old, new = getattr(before, name), getattr(after, name)
        if old == new or name == "updated_at":
            continue
        attribute = getattr(TaskItem, name)
        actions.append(attribute.remove() if new is None else attribute.set(new))
    if before.required_tools != after.required_tools:
        tools: list[Any] = list(after.required_tools)
        actions.append(TaskItem.required_tools.set(tools))
    if before.status != after.status:
        actions.append(TaskItem.gsi1pk.set(status_partition(after.team_id, after.status)))
    check = TaskItem.pk.exists() & (TaskItem.status == before.status)
    if same_worker:
        check &= TaskItem.worker_id == before.worker_id
    if same_start:
        check &= TaskItem.started_at == before.started_at
    keys = TaskItem(team_partition(after.team_id), task_key(after.id))
    keys.version = 0  # not read: PynamoDB ADDs 1 to the stored version, never SETs it

    def write(transaction: TransactWrite) -> None:
        _indexes(transaction, before, after)
        transaction.update(keys, list(actions), condition=check, add_version_condition=False)
        _counters(transaction, before, after)
        task_written(transaction, before, after, now)

    if before.board_id != after.board_id and after.board_id:
        board = get_board(after.team_id, after.board_id)
        if board is None:
            return None
    reasons = transact(write, what="task")
    return None if reasons else after


def _page_from(
    source: Any, hash_key: str, params: PageParams, range_condition: Condition | None
) -> tuple[list[TaskItem], str | None]:
    """One page newest first, without a count (the caller has one from the counters)."""
    start_key: dict[str, Any] | None = None
    skip = params.offset
    hash_name = source._hash_key_attribute().attr_name
    if params.cursor is not None:
        flat = decode_cursor(params.cursor)
        if flat.get(hash_name) != hash_key:
            raise BadRequest("Invalid cursor")
        start_key = {name: {"S": value} for name, value in flat.items()}
        skip = 0
    with storage_errors("tasks"):
        results = source.query(
            hash_key,
            range_condition,
            scan_index_forward=False,
            limit=skip + params.limit,
            last_evaluated_key=start_key,
        )
        items = list(results)[skip:]
        last = results.last_evaluated_key
    cursor = encode_cursor({k: v["S"] for k, v in last.items()}) if last and items else None
    return items, cursor


def list_tasks(
    team_id: str, params: PageParams, *, status: str | None = None
) -> tuple[list[Task], int, str | None]:
    """The team's tasks newest first, or those in one status (one Query of that status's
    gsi1 partition); the total is the counters', so neither reads the whole history."""
    stats = task_stats(team_id)
    if status is None:
        items, cursor = _page_from(
            TaskItem, team_partition(team_id), params, TaskItem.sk.startswith(TASK_PREFIX)
        )
        return [_to_task(item) for item in items], stats.total, cursor
    items, cursor = _page_from(TaskItem.by_status, status_partition(team_id, status), params, None)
    return [_to_task(item) for item in items], stats.by_status.get(status, 0), cursor


def list_indexed(
    team_id: str, dimension: str, values: Iterable[str], statuses: Sequence[str], limit: int
) -> list[Task]:
    """Tasks of these boards or agents in these statuses, oldest first, at most `limit`:
    one Query per (value, status) range, then one BatchGetItem."""
    found: list[tuple[str, str]] = []
    with storage_errors("tasks"):
        for value in values:
            for status in statuses:
                for item in TaskIndexItem.query(
                    team_partition(team_id),
                    TaskIndexItem.sk.startswith(index_key(dimension, value, status)),
                    limit=limit,
                ):
                    found.append((item.task_id, item.sk))
    ids = sorted({task_id for task_id, _ in found})[: min(limit, MAX_KEYS)]
    if not ids:
        return []
    keys = [(TaskItem, team_partition(team_id), task_key(task_id)) for task_id in ids]
    items = get_many(keys)
    tasks = [_to_task(items[key]) for key in keys if key in items]
    # An index item and its task change in one transaction: a task read since it moved on
    # is left out rather than answered in a status it is no longer in.
    return [task for task in tasks if task.status in statuses]


def task_stats(team_id: str) -> TaskStats:
    """By status and priority: one BatchGetItem of the team's ten counters, by key (a
    Query of their range would also be flat on DynamoDB; by key it is flat everywhere)."""
    by: dict[str, dict[str, int]] = {"STATUS": {}, "PRIORITY": {}}
    wanted = [("STATUS", s) for s in TASK_STATUSES] + [("PRIORITY", p) for p in PRIORITIES]
    partition = team_partition(team_id)
    keys: dict[ItemKey, tuple[str, str]] = {
        (TaskCounterItem, partition, count_key(d, v)): (d, v) for d, v in wanted
    }
    for key, item in get_many(list(keys)).items():
        dimension, value = keys[key]
        if int(item.total or 0):
            by[dimension][value] = int(item.total)
    return TaskStats(by_status=by["STATUS"], by_priority=by["PRIORITY"])


# Boards.


def _to_board(item: BoardItem) -> Board:
    return Board(
        team_id=item.team_id,
        id=item.board_id,
        name=item.name,
        description=item.description or "",
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def create_board(board: Board) -> Board:
    item = BoardItem(
        team_partition(board.team_id),
        board_key(board.id),
        team_id=board.team_id,
        board_id=board.id,
        name=board.name,
        description=board.description,
        created_at=board.created_at,
        updated_at=board.updated_at,
    )
    return _to_board(insert(item, "board"))


def get_board(team_id: str, board_id: str) -> Board | None:
    if not looks_like_id(board_id):
        return None
    item = get_or_none(BoardItem, team_partition(team_id), board_key(board_id))
    return None if item is None else _to_board(item)


def list_boards(team_id: str, params: PageParams) -> tuple[list[Board], int, str | None]:
    items, total, cursor = query_page(
        BoardItem,
        team_partition(team_id),
        params,
        range_key_condition=BoardItem.sk.startswith(BOARD_PREFIX),
        newest_first=True,
    )
    return [_to_board(item) for item in items], total, cursor


def update_board(team_id: str, board_id: str, changes: dict[str, str]) -> Board | None:
    """Set the fields given; None when there is no such board."""
    keys = BoardItem(team_partition(team_id), board_key(board_id))
    keys.version = 0
    actions = [getattr(BoardItem, name).set(value) for name, value in changes.items()]
    actions.append(BoardItem.updated_at.set(utcnow()))
    try:
        with storage_errors("board"):
            keys.update(actions, condition=BoardItem.pk.exists(), add_version_condition=False)
    except Conflict:
        return None
    return get_board(team_id, board_id)


def delete_board(team_id: str, board_id: str) -> bool:
    """Whether there was a board to delete (its tasks keep their board id, answered as
    they were; its index items stay with them)."""
    try:
        with storage_errors("board"):
            BoardItem(team_partition(team_id), board_key(board_id)).delete(
                condition=BoardItem.pk.exists(), add_version_condition=False
            )
    except Conflict:
        return False
    return True


def save_presence(presence: Presence) -> Presence:
    item = PresenceItem(
        team_partition(presence.team_id),
        presence_key(presence.board_id, presence.agent_id),
        team_id=presence.team_id,
        board_id=presence.board_id,
        agent_id=presence.agent_id,
        name=presence.name,
        status=presence.status,
        last_seen_at=presence.last_seen_at,
        updated_at=presence.last_seen_at,
    )
    with storage_errors("presence"):
        # A heartbeat replaces the last one: no version to keep.
        item.save(add_version_condition=False)
    return presence


def list_presence(team_id: str, board_id: str) -> list[Presence]:
    with storage_errors("presence"):
        items = PresenceItem.query(
            team_partition(team_id), PresenceItem.sk.startswith(presence_key(board_id)), limit=100
        )
        return [
            Presence(
                team_id=i.team_id,
                board_id=i.board_id,
                agent_id=i.agent_id,
                name=i.name,
                status=i.status,
                last_seen_at=i.last_seen_at,
            )
            for i in items
        ]


def stamp(task: Task, now: datetime, **changes: Any) -> Task:
    """`task` with `changes` (a helper for the services' transitions)."""
    return replace(task, updated_at=now, **changes)
