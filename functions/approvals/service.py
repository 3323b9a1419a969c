"""Approving resumes the job; rejecting fails it or sends the phase back with the reason;
an approval may carry an edited phase output that the next phases use.

A budget approval (a job's model call hit a spending limit) is approved, with a new limit
or after raising it elsewhere, and the phase runs again; or rejected, and the job fails.
Only an admin may raise a limit, as on PUT /costs/budget.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from functions.approvals.schemas import ApprovalRequest
from shared import artifacts
from shared.approvals import requests
from shared.auth.principal import Principal
from shared.aws import client
from shared.costs.limits import raise_limit
from shared.errors import BadRequest, Conflict, Forbidden
from shared.jobs import approvals, store
from shared.jobs.domain import Approval, Job
from shared.llm.files import UnsafePath, parse_files
from shared.pagination import PageParams
from shared.team_settings import get_team_settings

# The document each gateable phase writes (the same names the pipeline uses).
DOCUMENTS = {
    "ba": "requirements",
    "backend": "backend",
    "architect": "architecture",
    "uiux": "design",
    "reviewer": "review",
    "security": "security",
}


@dataclass(frozen=True, slots=True)
class Review:
    """An approval with what a reviewer needs to decide it."""

    approval: Approval
    job: Job | None  # None for a request
    what: str  # what is being asked, in a sentence
    output: str | None  # the phase output to review; None for a budget approval


def _job_id(approval: Approval) -> str:
    if approval.job_id is None:  # a request: the callers below handle jobs' approvals only
        raise ValueError(f"approval {approval.id} is a request, not a job's")
    return approval.job_id


def _phase(approval: Approval) -> str:
    return approval.phase or ""


def review(team_id: str, approval_id: str) -> Review:
    approval = approvals.get_approval(team_id, approval_id)
    if approval.kind == "request":
        return Review(approval, None, requests.what_is_asked(approval), requests.output(approval))
    job = store.get_job(team_id, _job_id(approval))
    return Review(approval, job, what_is_asked(approval), output_to_review(approval))


def what_is_asked(approval: Approval) -> str:
    hold = approval.budget
    if hold is None:
        return f"the {_phase(approval)} phase's output"
    return (
        f"extend the budget? The {_phase(approval)} phase stopped: the {hold.limit.lower()} is "
        f"exhausted ({hold.spent_usd} USD spent of {hold.limit_usd} USD). Approve with "
        "new_limit_usd to raise it (admins), or after raising it, and the phase runs again; "
        "reject and the job fails"
    )


def output_to_review(approval: Approval) -> str | None:
    """What the gated phase produced: its document, or for dev the files as file blocks;
    nothing for a budget approval."""
    from shared.llm.files import render_files

    if approval.kind == "budget":
        return None
    if _phase(approval) == "dev":
        return render_files(artifacts.load_tree(approval.team_id, _job_id(approval)))
    name = DOCUMENTS.get(_phase(approval), _phase(approval))
    return artifacts.load_documents(approval.team_id, _job_id(approval)).get(name)


def queue(
    team_id: str, params: PageParams, status: str
) -> tuple[list[Approval], int, str | None, dict[str, int]]:
    """A page of the team's approvals with `status` ("all" for every one), its total and
    next cursor, and the team's counts per status (from counters)."""
    items, total, cursor = approvals.list_approvals(
        team_id, params, None if status == "all" else status
    )
    return items, total, cursor, dict(approvals.counts(team_id))


def _checked_edit(phase: str, edited_output: str) -> dict[str, str] | str:
    """The edit in the form the phase's output takes: files for dev, a document otherwise."""
    if phase != "dev":
        return edited_output
    try:
        files = parse_files(edited_output)
    except UnsafePath as exc:
        raise BadRequest("edited files must have relative paths inside the project") from exc
    if not files:
        raise BadRequest("an edited dev output is file blocks: === FILE: path === ...")
    return files


def _store_edit(approval: Approval, edit: dict[str, str] | str) -> None:
    """Put the reviewer's version where the next phases read the phase's output."""
    if isinstance(edit, dict):
        tree = artifacts.load_tree(approval.team_id, _job_id(approval))
        artifacts.save_tree(approval.team_id, _job_id(approval), {**tree, **edit})
    else:
        artifacts.save_document(
            approval.team_id, _job_id(approval), DOCUMENTS[_phase(approval)], edit
        )


def _resume(job: Job, approval: Approval) -> None:
    job.status = "running"
    # A gated phase is done; a phase held by its budget runs again.
    job.phase(_phase(approval)).status = "pending" if approval.kind == "budget" else "passed"


def _check_budget_decision(
    pending: Approval, principal: Principal, edited_output: str | None, new_limit_usd: float | None
) -> None:
    # What the approval is (its kind, what was spent) decides what it takes: a body the
    # approval does not allow is a conflict with its state (409), not malformed (422).
    if pending.kind != "budget":
        if new_limit_usd is not None:
            raise Conflict("new_limit_usd is for budget approvals only")
        return
    if edited_output is not None:
        raise Conflict("a budget approval has no output to edit")
    if new_limit_usd is None:
        return
    if not principal.is_admin:
        raise Forbidden("Only admins may raise a budget")
    hold = pending.budget
    if hold is not None and new_limit_usd <= hold.spent_usd:
        raise Conflict(
            f"new_limit_usd must be above the {hold.spent_usd} USD already spent of the "
            f"{hold.limit.lower()}, or the job would stop again at once"
        )


def open_request(principal: Principal, request: ApprovalRequest) -> Approval:
    return requests.open_approval(
        principal.team_id,
        principal.subject,
        request.title,
        request.payload,
        description=request.description,
        callback_webhook_id=request.callback_webhook_id,
    )


def approve(
    principal: Principal,
    approval_id: str,
    edited_output: str | None = None,
    new_limit_usd: float | None = None,
) -> Approval:
    team_id = principal.team_id
    pending = approvals.get_approval(team_id, approval_id)
    if pending.kind == "request":
        if edited_output is not None or new_limit_usd is not None:
            raise Conflict("a request is approved or rejected as it is: no edit, no new limit")
        return requests.decide(pending, approved=True, decided_by=principal.subject, reason=None)
    if pending.status == "pending":
        _check_budget_decision(pending, principal, edited_output, new_limit_usd)
        if edited_output is not None:
            # Checked into the phase's output form: file blocks for dev, a document else.
            _store_edit(pending, _checked_edit(_phase(pending), edited_output))
        if pending.budget is not None and new_limit_usd is not None:
            # Before the decision, which hands the task token over: a failure here leaves
            # the approval pending to try again, not a job waiting for a decision made.
            payer = store.get_job(team_id, _job_id(pending)).payer
            raise_limit(team_id, payer, pending.budget.limit, new_limit_usd)
    approval, token = approvals.decide(
        team_id,
        approval_id,
        status="approved",
        decided_by=principal.subject,
        reason=None,
        edited_output=edited_output is not None,
        new_limit_usd=new_limit_usd,
    )
    assert token is not None  # a job's approval always holds one (decide checks)
    job = store.update_job(team_id, _job_id(approval), lambda job: _resume(job, approval))
    store.add_event(
        team_id,
        job.id,
        "approval.approved",
        phase=_phase(approval),
        data={
            "approval_id": approval.id,
            "kind": approval.kind,
            "edited": approval.edited_output,
            "new_limit_usd": new_limit_usd,
        },
    )
    client("stepfunctions").send_task_success(
        taskToken=token, output=json.dumps({"decision": "approved"})
    )
    return approval


def reject(
    team_id: str,
    approval_id: str,
    user_id: str | None,
    reason: str | None,
    *,
    send_back: bool | None = None,
) -> Approval:
    """Fail the job, or (send_back) run the phase again with `reason` as the reviewer's note.
    `send_back` None follows the team's `on_reject` setting; a budget approval is never
    sent back (there is no output to redo)."""
    pending = approvals.get_approval(team_id, approval_id)
    if pending.kind == "request":
        if send_back:
            raise Conflict("a request is approved or rejected, not sent back")
        return requests.decide(pending, approved=False, decided_by=user_id, reason=reason)
    is_budget = pending.kind == "budget"
    if send_back and is_budget:
        raise Conflict("a budget approval is approved or rejected, not sent back")
    if send_back is None:
        send_back = not is_budget and get_team_settings(team_id).on_reject == "revise"
    approval, token = approvals.decide(
        team_id,
        approval_id,
        status="revise" if send_back else "rejected",
        decided_by=user_id,
        reason=reason,
        edited_output=False,
    )
    assert token is not None  # a job's approval always holds one (decide checks)
    sfn = client("stepfunctions")
    if send_back:

        def note(job: Job) -> None:
            job.revision_notes[_phase(approval)] = reason or "the reviewer asked for changes"
            job.status = "running"

        store.update_job(team_id, _job_id(approval), note)
        store.add_event(
            team_id,
            _job_id(approval),
            "approval.sent_back",
            phase=_phase(approval),
            message=reason or "",
        )
        sfn.send_task_success(taskToken=token, output=json.dumps({"decision": "revise"}))
    else:
        store.add_event(
            team_id,
            _job_id(approval),
            "approval.rejected",
            phase=_phase(approval),
            message=reason or "",
        )
        sfn.send_task_failure(
            taskToken=token, error="ApprovalRejected", cause=(reason or "rejected")[:256]
        )
    return approval
