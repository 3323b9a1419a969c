"""How the analytics rollups are stored, in the work table beside the tasks they count
(every key under the team):

    pk = TEAM#<team>  sk = ROLLUP#TASKDAY#<yyyy-mm-dd>           the team's tasks that day
                      sk = ROLLUP#TASKAGENT#<yyyy-mm-dd>#<agent>  one agent's tasks that day
                      sk = ROLLUP#WORKERTASKS#<worker>            tasks running on a worker

A day counts the tasks created that day and those that ended that day (completed, failed,
cancelled), with the tokens, cost and run time of the ended ones. Every rollup changes only
by ``ADD``, in the transaction that creates or moves the task (shared.tasks.store): the
rollups and the tasks cannot disagree, and concurrent writers never lose a count. A day is
one item per team (and per agent that worked that day), so a window of N days is one Query
reading at most N items (N x active agents for the per-agent figures).
"""

from __future__ import annotations

from datetime import date

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from shared.db.base import TeamItem, table_meta

TASK_DAY = "ROLLUP#TASKDAY#"
TASK_AGENT = "ROLLUP#TASKAGENT#"
WORKER_TASKS = "ROLLUP#WORKERTASKS#"
# Day rollups answer windows of at most 90 days; kept a little over a year, as the costs'.
RETENTION_DAYS = 400


def day_key(day: date) -> str:
    return f"{TASK_DAY}{day.isoformat()}"


def agent_day_key(day: date, agent_id: str = "") -> str:
    """Without an agent: the prefix of that day's agents (a window's Query bounds)."""
    return f"{TASK_AGENT}{day.isoformat()}#{agent_id}"


def worker_key(worker_id: str) -> str:
    return f"{WORKER_TASKS}{worker_id}"


class TaskRollupItem(TeamItem):
    """Running totals of one day (the team's, or one agent's), or the tasks running on one
    worker. Absent attributes are zero: the first ``ADD`` creates each."""

    Meta = table_meta("work")

    label = UnicodeAttribute(null=True)  # the day, or the agent or worker counted
    agent_id = UnicodeAttribute(null=True)
    created = NumberAttribute(null=True)
    completed = NumberAttribute(null=True)
    failed = NumberAttribute(null=True)
    cancelled = NumberAttribute(null=True)
    running = NumberAttribute(null=True)
    tokens = NumberAttribute(null=True)
    cost_micros = NumberAttribute(null=True)
    # Run time (started -> ended) summed over the ended tasks that had started, and how
    # many those were: an average without reading a task.
    run_ms = NumberAttribute(null=True)
    timed = NumberAttribute(null=True)
