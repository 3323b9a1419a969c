"""Request and response shapes of the approvals routes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from shared.costs.amounts import MAX_LIMIT_USD
from shared.jobs.domain import ApprovalKind, BudgetHold
from shared.numbers import JSON_NUMBER


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
    new_limit_usd: (
        Annotated[float, Field(gt=0, le=MAX_LIMIT_USD, allow_inf_nan=False), JSON_NUMBER] | None
    ) = Field(
        default=None,
        description="budget approvals: the new value of the limit that was hit (admins only)",
    )
