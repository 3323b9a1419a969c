"""The API's answers as the CLI reads them.

Deliberately lenient: only what the CLI shows is required, everything else has a default,
and unknown fields are kept (`extra="allow"`) so `--json` prints the whole answer and a
newer server with more fields does not break an older CLI.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Where a job or phase stops changing: the watch loop ends on these.
TERMINAL_JOB_STATUSES = frozenset({"passed", "failed", "cancelled"})
DONE_PHASE_STATUSES = frozenset({"passed", "failed", "skipped", "cancelled"})


class _Answer(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Job(_Answer):
    id: str
    slug: str
    status: str
    name: str = ""
    description: str = ""
    platform: str = ""
    style: str = ""
    backend: str = ""
    features: list[str] = Field(default_factory=list)
    current_phase: str | None = None
    cancel_requested: bool = False
    approval_gates: list[str] = Field(default_factory=list)
    error: str | None = None
    tokens_in: int | None = 0  # None: not counted (the template generator)
    tokens_out: int | None = 0
    cost_usd: float = 0.0
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_JOB_STATUSES


class PhaseAgent(_Answer):
    id: str
    name: str


class Phase(_Answer):
    phase: str
    status: str
    role: str = ""
    agent: PhaseAgent | None = None  # None: not run yet, or the template generator answered
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_seconds: float | None = None
    error: str | None = None
    attempts: int = 0
    tokens_in: int | None = 0  # None: not counted (the template generator)
    tokens_out: int | None = 0
    cost_usd: float = 0.0
    model: str | None = None
    provider: str | None = None


class JobPage(_Answer):
    items: list[Job]
    total: int = 0
    limit: int = 0
    offset: int = 0
    next_cursor: str | None = None


class Approval(_Answer):
    id: str
    job_id: str
    phase: str
    status: str
    requested_at: datetime | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    edited_output: bool = False


class ApprovalDetail(Approval):
    job_slug: str = ""
    job_name: str = ""
    what: str = ""
    output: str | None = None


class ApprovalQueue(_Answer):
    items: list[Approval]
    total: int = 0
    counts: dict[str, int] = Field(default_factory=dict)


class CancelAnswer(_Answer):
    id: str
    slug: str
    status: str
    cancel_requested: bool = True


class DownloadLink(_Answer):
    url: str
    expires_in: int = 0


class TokenAnswer(_Answer):
    token: str
    team_id: str
    role: str
    expires_in: int = 0


# --- webhooks (API.md: Events in and out) -------------------------------------------------


class Webhook(_Answer):
    id: str
    url: str
    events: list[str] = Field(default_factory=list)
    description: str | None = None
    enabled: bool = True
    disabled_reason: str | None = None
    created_at: datetime | None = None


class WebhookCreated(Webhook):
    secret: str


class WebhookPage(_Answer):
    items: list[Webhook]
    total: int = 0
    next_cursor: str | None = None


class Delivery(_Answer):
    id: str
    event_type: str
    status: str
    attempts: int = 0
    last_response_code: int | None = None
    next_attempt_at: datetime | None = None
    created_at: datetime | None = None


class DeliveryPage(_Answer):
    items: list[Delivery]
    total: int = 0
    next_cursor: str | None = None


class WebhookTestOutcome(_Answer):
    delivery_id: str
    status: str
    response_code: int | None = None
    error: str | None = None


# --- dead letters ---------------------------------------------------------------------------


class DeadLetter(_Answer):
    id: str
    source: str
    status: str
    error: str = ""
    payload: Any = None
    origin_queue: str | None = None
    created_at: datetime | None = None
    retried_at: datetime | None = None


class DeadLetterPage(_Answer):
    items: list[DeadLetter]
    total: int = 0
    next_cursor: str | None = None


class Queued(_Answer):
    queued: int
