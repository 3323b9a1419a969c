"""Request and response shapes of the approvals routes."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.costs.amounts import MAX_LIMIT_USD
from shared.jobs.domain import ApprovalKind, BudgetHold
from shared.numbers import JSON_NUMBER
from shared.pagination import Page, PageParams
from shared.request_fields import trimmed


class ApprovalPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    job_id: str | None = Field(description="the job whose phase or budget waits; null: a request")
    phase: str | None = None
    status: str
    requested_at: Any
    decided_at: Any = None
    decided_by: str | None = None
    reason: str | None = None
    edited_output: bool = False
    kind: ApprovalKind = Field(
        default="phase",
        description="phase: a gated phase's output to review; budget: a job's model call hit "
        "a spending limit, and the job waits until the budget is extended; request: opened "
        "with POST /approvals or by a workflow's approval step",
    )
    budget: BudgetHold | None = None
    title: str | None = None
    description: str | None = None
    payload: dict[str, Any] | None = None
    callback_webhook_id: str | None = None
    requested_by: str | None = None


class ApprovalDetail(ApprovalPublic):
    job_slug: str | None
    job_name: str | None
    what: str
    output: str | None = Field(
        description="the phase output to review (a document, or the generated files as file "
        "blocks); a request's payload as JSON text"
    )


class ApprovalQueue(Page[ApprovalPublic]):
    """A page of one status (or every one), and how many the team has in each status."""

    counts: dict[str, int]


class ApprovalListParams(PageParams):
    """GET /approvals: a page of one status's index, or of every approval (`all`)."""

    status: Literal["pending", "approved", "rejected", "revise", "all"] = "pending"


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


# A request's payload, as JSON text: what a reviewer reads, not a store for documents.
MAX_PAYLOAD_BYTES = 64 * 1024


class ApprovalRequest(BaseModel):
    """POST /approvals: something the team is asked to approve."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    title: Annotated[str, trimmed(200)]
    description: Annotated[str, trimmed(4000)] | None = None
    payload: dict[str, Any] | None = Field(
        default=None,
        description=f"what is to be approved, as JSON (at most {MAX_PAYLOAD_BYTES} bytes)",
    )
    callback_webhook_id: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None,
        description="one of the team's webhook endpoints: the decision is delivered there, "
        "signed, as approval.decided",
    )

    @field_validator("payload")
    @classmethod
    def _bounded(cls, payload: dict[str, Any] | None) -> dict[str, Any] | None:
        if payload is not None and len(json.dumps(payload)) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"payload is over {MAX_PAYLOAD_BYTES} bytes as JSON")
        return payload
