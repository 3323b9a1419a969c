"""What each export holds: its columns, and its rows read from one paged Query on the
team's key range (never a Scan), a page at a time: rows are handed on as they are read, so
an export holds one page of items at once however many it writes.

    tasks   work table    pk = TEAM#<team>           sk begins TASK#     newest first
    agents  agents table  pk = TEAM#<team>           sk begins AGENT#    live ones, by id
    jobs    jobs table    pk = TEAM#<team>           sk begins JOB#      newest first
    costs   costs table   pk = TEAM#<team>#LEDGER    sk begins CALL#     the ledger's calls
                                                                        (kept 400 days)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

ExportType = Literal["tasks", "agents", "jobs", "costs"]
EXPORT_TYPES: tuple[str, ...] = get_args(ExportType)
# Items DynamoDB is asked for per Query page: small enough that a page's items are a few
# hundred kilobytes in memory, large enough that an export of 100,000 rows is 100 requests.
PAGE_ITEMS = 1000

# What each Query asks for (a ProjectionExpression): only the attributes the columns hold,
# so a task's instructions and result, or an agent's code and prompt, are never read.
TASK_ATTRIBUTES = (
    "task_id",
    "title",
    "status",
    "priority",
    "agent_id",
    "board_id",
    "worker_id",
    "tokens",
    "cost_usd",
    "error",
    "created_by",
    "created_at",
    "started_at",
    "completed_at",
    "deadline",
)
AGENT_ATTRIBUTES = (
    "agent_id",
    "name",
    "role",
    "status",
    "llm_provider",
    "llm_model",
    "worker_id",
    "deployed_as",
    "created_by",
    "created_at",
    "updated_at",
    "deleted_at",
)
COST_ATTRIBUTES = (
    "sk",
    "at",
    "user_id",
    "agent_id",
    "job_id",
    "provider",
    "model",
    "tokens_in",
    "tokens_out",
    "cost_micros",
)

type Cell = str | int | float | None
type Row = tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class Source:
    columns: tuple[str, ...]
    rows: Callable[[str], Iterator[Row]]


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


def _money(micros: float | None) -> float | None:
    from shared.costs.amounts import micros_to_usd

    return None if micros is None else micros_to_usd(int(micros))


def _tasks(team_id: str) -> Iterator[Row]:
    from shared.db.base import storage_errors, team_partition
    from shared.tasks.models import TASK_PREFIX, TaskItem

    with storage_errors("tasks"):
        for item in TaskItem.query(
            team_partition(team_id),
            TaskItem.sk.startswith(TASK_PREFIX),
            scan_index_forward=False,
            page_size=PAGE_ITEMS,
            attributes_to_get=list(TASK_ATTRIBUTES),
        ):
            yield (
                item.task_id,
                item.title,
                item.status,
                item.priority,
                item.agent_id,
                item.board_id,
                item.worker_id,
                _whole(item.tokens),
                None if item.cost_usd is None else float(item.cost_usd),
                item.error,
                item.created_by,
                _time(item.created_at),
                _time(item.started_at),
                _time(item.completed_at),
                _time(item.deadline),
            )


def _agents(team_id: str) -> Iterator[Row]:
    from shared.agents.models import AGENT_PREFIX, AgentItem
    from shared.db.base import storage_errors, team_partition

    with storage_errors("agents"):
        for item in AgentItem.query(
            team_partition(team_id),
            AgentItem.sk.startswith(AGENT_PREFIX),
            filter_condition=AgentItem.deleted_at.does_not_exist(),
            page_size=PAGE_ITEMS,
            attributes_to_get=list(AGENT_ATTRIBUTES),
        ):
            yield (
                item.agent_id,
                item.name,
                item.role,
                item.status,
                item.llm_provider,
                item.llm_model,
                item.worker_id,
                item.deployed_as,
                item.created_by,
                _time(item.created_at),
                _time(item.updated_at),
            )


def _jobs(team_id: str) -> Iterator[Row]:
    from shared.db.base import storage_errors, team_partition
    from shared.jobs.models import JobItem, job_key

    with storage_errors("jobs"):
        for item in JobItem.query(
            team_partition(team_id),
            JobItem.sk.startswith(job_key("")),
            scan_index_forward=False,
            page_size=PAGE_ITEMS,
        ):
            document: dict[str, Any] = item.document or {}
            spec = document.get("spec") or {}
            yield (
                item.job_id,
                item.slug,
                spec.get("name"),
                item.status,
                item.project_id,
                document.get("created_by"),
                document.get("current_phase"),
                document.get("repair_attempts"),
                document.get("error"),
                _time(item.created_at),
                document.get("started_at"),
                document.get("finished_at"),
            )


def _costs(team_id: str) -> Iterator[Row]:
    from shared.costs.models import CallItem, call_key, ledger_partition
    from shared.db.base import storage_errors

    with storage_errors("costs"):
        for item in CallItem.query(
            ledger_partition(team_id),
            CallItem.sk.startswith(call_key("")),
            scan_index_forward=False,
            page_size=PAGE_ITEMS,
            attributes_to_get=list(COST_ATTRIBUTES),
        ):
            yield (
                item.sk.removeprefix(call_key("")),
                _time(item.at),
                item.user_id,
                item.agent_id,
                item.job_id,
                item.provider,
                item.model,
                _whole(item.tokens_in),
                _whole(item.tokens_out),
                _money(item.cost_micros),
            )


SOURCES: dict[str, Source] = {
    "tasks": Source(
        (
            "id",
            "title",
            "status",
            "priority",
            "agent_id",
            "board_id",
            "worker_id",
            "tokens",
            "cost_usd",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "completed_at",
            "deadline",
        ),
        _tasks,
    ),
    "agents": Source(
        (
            "id",
            "name",
            "role",
            "status",
            "llm_provider",
            "llm_model",
            "worker_id",
            "deployed_as",
            "created_by",
            "created_at",
            "updated_at",
        ),
        _agents,
    ),
    "jobs": Source(
        (
            "id",
            "slug",
            "name",
            "status",
            "project_id",
            "created_by",
            "current_phase",
            "repair_attempts",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ),
        _jobs,
    ),
    "costs": Source(
        (
            "id",
            "at",
            "user_id",
            "agent_id",
            "job_id",
            "provider",
            "model",
            "tokens_in",
            "tokens_out",
            "cost_usd",
        ),
        _costs,
    ),
}
