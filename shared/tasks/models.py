"""How tasks and boards are stored, in the work table (every key under the team):

    pk = TEAM#<team>  sk = TASK#<task>                          a task (ULID: newest first)
                      gsi1pk = TASKS#<team>#<status>  gsi1sk = <task>
                                                                 (GET /tasks?status=: one
                                                                 Query of that status alone)
    pk = TEAM#<team>  sk = TASKIDX#<BOARD|AGENT>#<id>#<status>#<task>
                                                                 the task under its board and
                                                                 its agent, by status (a
                                                                 board's inbox, an agent's
                                                                 queued tasks: one Query each)
    pk = TEAM#<team>  sk = COUNT#TASK#<STATUS|PRIORITY>#<value> how many tasks (ADD only)
    pk = TEAM#<team>  sk = BOARD#<board>                         a board
    pk = TEAM#<team>  sk = BOARDAGENT#<board>#<agent>            an agent's last check-in

The task, its index items and its counters change in one transaction, conditioned on the
task's status as read: the lists, the counts and the task cannot disagree.
"""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import Gsi1Index, TeamItem, table_meta

TASK_PREFIX = "TASK#"
INDEX_PREFIX = "TASKIDX#"
COUNT_PREFIX = "COUNT#TASK#"
BOARD_PREFIX = "BOARD#"
PRESENCE_PREFIX = "BOARDAGENT#"


def task_key(task_id: str) -> str:
    return f"{TASK_PREFIX}{task_id}"


def status_partition(team_id: str, status: str) -> str:
    return f"TASKS#{team_id}#{status}"


def index_key(dimension: str, value: str, status: str, task_id: str = "") -> str:
    return f"{INDEX_PREFIX}{dimension}#{value}#{status}#{task_id}"


def count_key(dimension: str, value: str) -> str:
    return f"{COUNT_PREFIX}{dimension}#{value}"


def board_key(board_id: str) -> str:
    return f"{BOARD_PREFIX}{board_id}"


def presence_key(board_id: str, agent_id: str = "") -> str:
    return f"{PRESENCE_PREFIX}{board_id}#{agent_id}"


class TaskItem(TeamItem):
    Meta = table_meta("work")

    task_id = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    instructions = UnicodeAttribute()
    priority = UnicodeAttribute()
    status = UnicodeAttribute()
    agent_id = UnicodeAttribute(null=True)
    deadline = UTCDateTimeAttribute(null=True)
    required_tools = ListAttribute(of=UnicodeAttribute, default=list)
    board_id = UnicodeAttribute(null=True)
    result = UnicodeAttribute(null=True)
    tokens = NumberAttribute(null=True)
    cost_usd = NumberAttribute(null=True)
    error = UnicodeAttribute(null=True)
    worker_id = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    started_at = UTCDateTimeAttribute(null=True)
    completed_at = UTCDateTimeAttribute(null=True)
    task_token = UnicodeAttribute(null=True)

    by_status: Gsi1Index[TaskItem] = Gsi1Index()


class TaskIndexItem(TeamItem):
    """The task's id under one of its boards' or agents' status ranges."""

    Meta = table_meta("work")

    task_id = UnicodeAttribute()


class TaskCounterItem(TeamItem):
    """How many of the team's tasks have one status or priority (only ever ADDed)."""

    Meta = table_meta("work")

    total = NumberAttribute(default=0)


class BoardItem(TeamItem):
    Meta = table_meta("work")

    board_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")


class PresenceItem(TeamItem):
    Meta = table_meta("work")

    board_id = UnicodeAttribute()
    agent_id = UnicodeAttribute()
    name = UnicodeAttribute()
    status = UnicodeAttribute()
    last_seen_at = UTCDateTimeAttribute()
