"""Approval storage. The task token that resumes the execution never leaves this module
except to the code that resumes or fails that execution.

Each approval is indexed by its status (gsi1, shared.jobs.models.approvals_in) and counted
per status (shared.jobs.counters, kind APPROVAL) in the same transaction as the write that
creates or decides it: the queue of one status is a page of one Query and its counts a
handful of items, however many approvals the team has decided.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pynamodb.transactions import TransactWrite

from shared.db.base import storage_errors, team_partition
from shared.db.query import query_page
from shared.db.transactions import transact
from shared.errors import Conflict
from shared.ids import new_id, utcnow
from shared.jobs import counters
from shared.jobs.domain import Approval, BudgetHold
from shared.jobs.models import ApprovalItem, approval_key, approvals_in
from shared.pagination import PageParams


def _budget(item: ApprovalItem) -> BudgetHold | None:
    if item.budget_limit is None:  # a phase's approval
        return None
    return BudgetHold(
        limit=item.budget_limit or "",
        spent_usd=float(item.spent_usd or 0),
        limit_usd=float(item.limit_usd or 0),
        new_limit_usd=None if item.new_limit_usd is None else float(item.new_limit_usd),
    )


def _to_approval(item: ApprovalItem) -> Approval:
    return Approval.model_validate(
        {
            "id": item.approval_id,
            "team_id": item.team_id,
            "job_id": item.job_id,
            "phase": item.phase,
            "status": item.status,
            "requested_at": item.requested_at,
            "decided_at": item.decided_at,
            "decided_by": item.decided_by,
            "reason": item.reason,
            "edited_output": item.edited_output,
            "budget": _budget(item),
            "title": item.title,
            "description": item.description,
            "payload": item.payload,
            "callback_webhook_id": item.callback_webhook_id,
            "requested_by": item.requested_by,
            "origin": item.origin,
        }
    )


def create_approval(
    team_id: str, job_id: str, phase: str, task_token: str, budget: BudgetHold | None = None
) -> Approval:
    """A pending approval of a phase's output, or (`budget`) of spending past a limit."""
    approval_id = new_id()
    item = ApprovalItem(
        team_partition(team_id),
        approval_key(approval_id),
        team_id=team_id,
        approval_id=approval_id,
        job_id=job_id,
        phase=phase,
        status="pending",
        task_token=task_token,
        requested_at=utcnow(),
        budget_limit=budget.limit if budget else None,
        spent_usd=budget.spent_usd if budget else None,
        limit_usd=budget.limit_usd if budget else None,
    )
    _create(item)
    return _to_approval(item)


def create_request(
    team_id: str,
    requested_by: str | None,
    title: str,
    *,
    description: str | None,
    payload: dict[str, Any] | None,
    callback_webhook_id: str | None,
    task_token: str | None,
    origin: dict[str, Any] | None,
) -> Approval:
    """A pending request: no job, decided like the others (its token, if any, answered)."""
    approval_id = new_id()
    item = ApprovalItem(
        team_partition(team_id),
        approval_key(approval_id),
        team_id=team_id,
        approval_id=approval_id,
        status="pending",
        task_token=task_token,
        requested_at=utcnow(),
        title=title,
        description=description,
        payload=payload,
        callback_webhook_id=callback_webhook_id,
        requested_by=requested_by,
        origin=origin,
    )
    _create(item)
    return _to_approval(item)


def _indexed(item: ApprovalItem) -> None:
    item.gsi1pk, item.gsi1sk = approvals_in(item.team_id, item.status), item.sk


def _create(item: ApprovalItem) -> None:
    """Store a new pending approval and count it, both or neither."""
    _indexed(item)

    def write(transaction: TransactWrite) -> None:
        transaction.save(item, condition=ApprovalItem.pk.does_not_exist())
        counters.add(transaction, item.team_id, "APPROVAL", item.status, 1)

    if transact(write, what="approval"):
        raise Conflict("approval already exists")


def get_approval(team_id: str, approval_id: str) -> Approval:
    with storage_errors("approval"):
        return _to_approval(ApprovalItem.get(team_partition(team_id), approval_key(approval_id)))


def latest_rejection(team_id: str, job_id: str, phase: str) -> Approval | None:
    """The newest rejected approval of a job's phase (its reason). Read lazily from the
    newest of the team's rejections: the one asked for was just decided, so it comes first."""
    with storage_errors("approval"):
        items = ApprovalItem.by_status.query(
            approvals_in(team_id, "rejected"),
            filter_condition=(ApprovalItem.job_id == job_id) & (ApprovalItem.phase == phase),
            scan_index_forward=False,
        )
        found = next(iter(items), None)
    return None if found is None else _to_approval(found)


def decide(
    team_id: str,
    approval_id: str,
    *,
    status: str,
    decided_by: str | None,
    reason: str | None,
    edited_output: bool,
    new_limit_usd: float | None = None,
) -> tuple[Approval, str | None]:
    """Record a decision on a pending approval, once: a second decision is a Conflict.
    Returns the approval and the task token that resumes (or fails) the execution: a
    job's approval always has one, a request only when a workflow step waits on it."""
    with storage_errors("approval"):
        item = ApprovalItem.get(team_partition(team_id), approval_key(approval_id))
    if item.status != "pending" or (item.job_id is not None and not item.task_token):
        raise Conflict(f"approval is already {item.status}")
    token = item.task_token
    item.status, item.decided_at, item.decided_by = status, utcnow(), decided_by
    item.reason, item.edited_output, item.task_token = reason, edited_output, None
    item.new_limit_usd = new_limit_usd
    _indexed(item)

    def write(transaction: TransactWrite) -> None:
        transaction.save(item)  # on the version read: two deciders cannot both win
        counters.moved(transaction, team_id, "APPROVAL", "pending", status)

    if transact(write, what="approval"):
        raise Conflict("approval was decided by another request")
    return _to_approval(item), token


def list_approvals(
    team_id: str, params: PageParams, status: str | None = None
) -> tuple[list[Approval], int, str | None]:
    """A page of the team's approvals, newest first: every one, or those in `status`."""
    if status is None:
        items, total, cursor = query_page(
            ApprovalItem,
            team_partition(team_id),
            params,
            range_key_condition=ApprovalItem.sk.startswith(approval_key()),
        )
    else:
        items, total, cursor = query_page(
            ApprovalItem.by_status, approvals_in(team_id, status), params
        )
    return [_to_approval(item) for item in items], total, cursor


def counts(team_id: str) -> Counter[str]:
    """How many of the team's approvals are in each status (those at zero left out)."""
    return counters.counts_of(team_id, "APPROVAL")
