"""Approval routes, with the aliases the contract names (/hitl, /checkpoints, /experiences);
the group also serves /code-reviews (functions.approvals.reviews)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from functions.approvals import reviews, service
from functions.approvals.schemas import (
    ApprovalDetail,
    ApprovalListParams,
    ApprovalPublic,
    ApprovalQueue,
    ApprovalRequest,
    ApproveBody,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.errors import error_responses
from shared.jobs.domain import Approval
from shared.pagination import LIST_RESPONSES

router = group_router(tags=["approvals"], responses=error_responses(401, 422))
_DECIDE = error_responses(400, 403, 404, 409)
_DECIDE[409]["description"] = (
    "The approval's state does not allow it: already decided, or a body its kind does not "
    "take (a budget approval has no output to edit and is never sent back; new_limit_usd is "
    "for budget approvals, above what was already spent)"
)


def _public(approval: Approval) -> ApprovalPublic:
    return ApprovalPublic(**approval.model_dump(exclude={"team_id"}))


@router.get(
    "/approvals",
    response_model=ApprovalQueue,
    responses=LIST_RESPONSES,
    summary="The team's approvals",
)
@router.get(
    "/hitl/queue",
    response_model=ApprovalQueue,
    responses=LIST_RESPONSES,
    summary="Pending checkpoints (alias)",
)
# Seed 001's listings: one queue holds what it calls checkpoints and experiences.
@router.get(
    "/checkpoints",
    response_model=ApprovalQueue,
    responses=LIST_RESPONSES,
    summary="The team's checkpoints (alias of GET /approvals)",
)
@router.get(
    "/experiences",
    response_model=ApprovalQueue,
    responses=LIST_RESPONSES,
    summary="The team's experiences (alias of GET /approvals)",
)
async def list_approvals(
    principal: CurrentPrincipal, params: Annotated[ApprovalListParams, Query()]
) -> ApprovalQueue:
    chosen, total, cursor, counts = service.queue(principal.team_id, params, params.status)
    return ApprovalQueue(
        items=[_public(a) for a in chosen],
        total=total,
        limit=params.limit,
        offset=params.offset,
        next_cursor=cursor,
        counts=counts,
    )


@router.get(
    "/approvals/{approval_id}",
    response_model=ApprovalDetail,
    responses=error_responses(404),
    summary="What is being approved, with the output",
)
async def get_approval(approval_id: str, principal: CurrentPrincipal) -> ApprovalDetail:
    review = service.review(principal.team_id, approval_id)
    job = review.job
    return ApprovalDetail(
        **_public(review.approval).model_dump(),
        job_slug=job.slug if job else None,
        job_name=job.spec.name if job else None,
        what=review.what,
        output=review.output,
    )


@router.post(
    "/approvals",
    response_model=ApprovalPublic,
    status_code=201,
    responses=error_responses(404),
    summary="Ask the team to approve something",
    description="A request (kind request), listed and decided like a job's approvals. A "
    "callback_webhook_id must be one of the team's webhook endpoints (404 otherwise); the "
    "decision is delivered there, signed, as approval.decided, and published as an event.",
)
async def create_approval(body: ApprovalRequest, principal: CurrentPrincipal) -> ApprovalPublic:
    return _public(service.open_request(principal, body))


def _register_decisions(prefix: str, include_in_schema: bool) -> None:
    @router.post(
        f"{prefix}/{{approval_id}}/approve",
        response_model=ApprovalPublic,
        responses=_DECIDE,
        include_in_schema=include_in_schema,
        summary="Approve: the job goes on (with the edited output, if given)",
    )
    async def approve(
        approval_id: str, principal: CurrentPrincipal, body: ApproveBody | None = None
    ) -> ApprovalPublic:
        body = body or ApproveBody()
        return _public(
            service.approve(principal, approval_id, body.edited_output, body.new_limit_usd)
        )

    @router.post(
        f"{prefix}/{{approval_id}}/reject",
        response_model=ApprovalPublic,
        responses=_DECIDE,
        include_in_schema=include_in_schema,
        summary="Reject: the job fails, or (send_back) the phase runs again",
        description="send_back left out follows the team's on_reject setting (fail by default)",
    )
    async def reject(
        approval_id: str,
        principal: CurrentPrincipal,
        reason: Annotated[str | None, Query(max_length=2000)] = None,
        send_back: Annotated[bool | None, Query()] = None,
    ) -> ApprovalPublic:
        return _public(
            service.reject(
                principal.team_id, approval_id, principal.subject, reason, send_back=send_back
            )
        )


_register_decisions("/approvals", include_in_schema=True)
for _alias in ("/checkpoints", "/experiences", "/hitl"):
    _register_decisions(_alias, include_in_schema=False)

app = create_app("approvals", router, reviews.router)
