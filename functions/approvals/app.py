"""Approval routes, with the aliases the contract names (/hitl, /checkpoints, /experiences)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from functions.approvals import service
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.costs.budgets import MAX_LIMIT_USD
from shared.errors import error_responses
from shared.jobs import approvals, store
from shared.jobs.domain import Approval, ApprovalKind, BudgetHold

router = group_router(tags=["approvals"], responses=error_responses(401, 422))
_DECIDE = error_responses(400, 403, 404, 409)


class ApprovalPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    job_id: str
    phase: str
    status: str
    requested_at: Any
    decided_at: Any = None
    decided_by: str | None = None
    reason: str | None = None
    edited_output: bool = False
    kind: ApprovalKind = Field(
        default="phase",
        description="phase: a gated phase's output to review; budget: a job's model call hit "
        "a spending limit, and the job waits until the budget is extended",
    )
    budget: BudgetHold | None = None


class ApprovalDetail(ApprovalPublic):
    job_slug: str
    job_name: str
    what: str
    output: str | None = Field(
        description="the phase output to review (a document, or the generated files as file blocks)"
    )


class ApprovalQueue(BaseModel):
    model_config = ConfigDict(defer_build=True)

    items: list[ApprovalPublic]
    total: int
    counts: dict[str, int]


class ApproveBody(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    edited_output: str | None = Field(
        default=None, max_length=900_000, description="replaces the phase's output for later phases"
    )
    new_limit_usd: float | None = Field(
        default=None,
        gt=0,
        le=MAX_LIMIT_USD,
        allow_inf_nan=False,
        description="budget approvals: the new value of the limit that was hit (admins only)",
    )


def _public(approval: Approval) -> ApprovalPublic:
    return ApprovalPublic(**approval.model_dump(exclude={"team_id"}))


def _queue(principal: CurrentPrincipal, status: str) -> ApprovalQueue:
    chosen, counts = service.queue(principal.team_id, status)
    return ApprovalQueue(items=[_public(a) for a in chosen], total=len(chosen), counts=counts)


StatusFilter = Annotated[str, Query(pattern="^(pending|approved|rejected|revise|all)$")]


@router.get("/approvals", response_model=ApprovalQueue, summary="The team's approvals")
@router.get("/hitl/queue", response_model=ApprovalQueue, summary="Pending checkpoints (alias)")
async def list_approvals(
    principal: CurrentPrincipal, status: StatusFilter = "pending"
) -> ApprovalQueue:
    return _queue(principal, status)


@router.get(
    "/approvals/{approval_id}",
    response_model=ApprovalDetail,
    responses=error_responses(404),
    summary="What is being approved, with the output",
)
async def get_approval(approval_id: str, principal: CurrentPrincipal) -> ApprovalDetail:
    approval = approvals.get_approval(principal.team_id, approval_id)
    job = store.get_job(principal.team_id, approval.job_id)
    return ApprovalDetail(
        **_public(approval).model_dump(),
        job_slug=job.slug,
        job_name=job.spec.name,
        what=service.what_is_asked(approval),
        output=service.output_to_review(approval),
    )


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

app = create_app("approvals", router)
