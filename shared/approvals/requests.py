"""Requests: approvals anyone of the team opens (`POST /approvals`, seed 003), and those a
workflow's approval step opens with its Step Functions task token.

A request is stored beside the jobs' approvals (the jobs table, `APPROVAL#<id>`), so the
team's queue (`GET /approvals`) lists and counts them together and one conditional write
decides either kind: a second decision is 409. Opening one publishes
`approval.requested` (the team's "Approval waiting" notification), as a job's gate does.
Deciding a request:

- answers its task token, if a workflow step waits on it: approved → SendTaskSuccess with
  `{approved, decided_by, reason}`, rejected → SendTaskFailure (`Rejected`, the reason).
  A token Step Functions no longer knows (the run ended or timed out) is ignored;
- publishes `approval.decided`, so webhooks, triggers and notifications can follow it;
- delivers `approval.decided`, signed, to the callback endpoint the request named, through
  the outbound webhooks (retried, dead-lettered); an endpoint deleted or disabled since
  is logged and skipped: the decision stands.
"""

from __future__ import annotations

import json
from typing import Any, Final

from shared import events
from shared.errors import NotFound
from shared.ids import utcnow
from shared.jobs import approvals
from shared.jobs.domain import Approval
from shared.observability import logger

REQUESTED: Final = "approval.requested"
DECIDED: Final = "approval.decided"
# What Step Functions answers for a token it no longer waits on.
_GONE: Final = ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")


def open_approval(
    team_id: str,
    created_by: str | None,
    title: str,
    payload: dict[str, Any] | None,
    *,
    description: str | None = None,
    callback_webhook_id: str | None = None,
    task_token: str | None = None,
    origin: dict[str, Any] | None = None,
) -> Approval:
    """A pending request. `callback_webhook_id` must be one of the team's endpoints
    (NotFound otherwise); `task_token` is kept in storage only and answered on decision."""
    if callback_webhook_id is not None:
        from shared.webhooks import endpoint_store

        if endpoint_store.get_webhook(team_id, callback_webhook_id) is None:
            raise NotFound(f"webhook endpoint {callback_webhook_id} not found")
    approval = approvals.create_request(
        team_id,
        created_by,
        title,
        description=description,
        payload=payload,
        callback_webhook_id=callback_webhook_id,
        task_token=task_token,
        origin=origin,
    )
    # As a job's gate does: the team's "Approval waiting" notification and any webhook or
    # trigger on it learn that someone must decide.
    events.publish(REQUESTED, requested_data(approval))
    return approval


def requested_data(approval: Approval) -> dict[str, Any]:
    return {
        "team_id": approval.team_id,
        "approval_id": approval.id,
        "kind": approval.kind,
        "title": approval.title,
        "description": approval.description,
        "requested_by": approval.requested_by,
        "payload": approval.payload,
        "origin": approval.origin,
    }


def what_is_asked(approval: Approval) -> str:
    return approval.title or "an approval request"


def output(approval: Approval) -> str | None:
    """The payload to review, as JSON text (the detail's `output`)."""
    if approval.payload is None:
        return approval.description
    return json.dumps(approval.payload, indent=2, sort_keys=True)


def decide(
    pending: Approval, *, approved: bool, decided_by: str | None, reason: str | None
) -> Approval:
    """Record the decision once (Conflict if it was decided), then answer, announce and
    deliver it."""
    approval, token = approvals.decide(
        pending.team_id,
        pending.id,
        status="approved" if approved else "rejected",
        decided_by=decided_by,
        reason=reason,
        edited_output=False,
    )
    if token is not None:
        _answer(token, approved, decided_by, reason)
    data = decided_data(approval)
    events.publish(DECIDED, data)
    if approval.callback_webhook_id is not None:
        _deliver(approval, data)
    return approval


def decided_data(approval: Approval) -> dict[str, Any]:
    return {
        "team_id": approval.team_id,
        "approval_id": approval.id,
        "kind": approval.kind,
        "title": approval.title,
        "status": approval.status,
        "decided_by": approval.decided_by,
        "reason": approval.reason,
        "payload": approval.payload,
        "origin": approval.origin,
    }


def _answer(token: str, approved: bool, decided_by: str | None, reason: str | None) -> None:
    from botocore.exceptions import ClientError

    from shared.aws import client

    sfn = client("stepfunctions")
    try:
        if approved:
            sfn.send_task_success(
                taskToken=token,
                output=json.dumps({"approved": True, "decided_by": decided_by, "reason": reason}),
            )
        else:
            sfn.send_task_failure(
                taskToken=token, error="Rejected", cause=(reason or "rejected")[:256]
            )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in _GONE:
            raise
        logger.info("approval's task token no longer waited on", extra={"error": str(exc)})


def _deliver(approval: Approval, data: dict[str, Any]) -> None:
    from shared.webhooks.direct import Undeliverable, deliver_to

    webhook_id = approval.callback_webhook_id
    assert webhook_id is not None
    try:
        deliver_to(
            approval.team_id,
            webhook_id,
            DECIDED,
            data,
            key=f"approval-{approval.id}",
            at=approval.decided_at or utcnow(),
        )
    except Undeliverable as exc:
        logger.warning(
            "approval callback not delivered", extra={"approval": approval.id, "why": str(exc)}
        )
