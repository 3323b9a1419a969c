"""Request and response shapes of /triggers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from shared.event_rules.patterns import MAX_FILTER_VALUES, MAX_FILTERS, Scalar
from shared.numbers import JSON_NUMBER
from shared.triggers.domain import (
    DEFAULT_FAILURE_LIMIT,
    MAX_FAILURE_LIMIT,
    FireReason,
    Overlap,
    RunOutcome,
    TriggerAction,
    TriggerType,
)

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class ScheduleConfig(BaseModel):
    """Exactly one of cron, rate or at; an IANA timezone (default UTC)."""

    model_config = ConfigDict(extra="forbid")

    cron: _Text | None = Field(
        default=None,
        description="5 fields (Unix cron) or EventBridge's 6 (with a year), e.g. '0 9 * * 1-5'",
    )
    rate: _Text | None = Field(default=None, description="'every 15 minutes'; at least 1 minute")
    at: _Text | None = Field(
        default=None, description="once, at an ISO date and time in the future"
    )
    timezone: _Text = Field(default="UTC", description="an IANA name such as Europe/Berlin")
    start: _Text | None = Field(default=None, description="ISO time; cron and rate only")
    end: _Text | None = Field(default=None, description="ISO time, after start; exclusive")


class EventConfig(BaseModel):
    """A product event type (GET /webhooks/event-types), a prefix (`job.*`) or `*`."""

    model_config = ConfigDict(extra="forbid")

    event: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    filters: Annotated[
        dict[str, Scalar | Annotated[list[Scalar], Field(max_length=MAX_FILTER_VALUES)]],
        Field(max_length=MAX_FILTERS),
    ] = Field(
        default_factory=dict,
        description="dotted path of the event (data.source_id, payload.ref) → a value or "
        "values, any of which matches",
    )


FailureLimit = Annotated[int, Field(ge=1, le=MAX_FAILURE_LIMIT), JSON_NUMBER]


class TriggerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    type: TriggerType
    config: ScheduleConfig | EventConfig = Field(
        description="schedule: {cron|rate|at, timezone, start?, end?}; event: {event, filters?}"
    )
    action: TriggerAction
    overlap: Overlap = Field(
        default="skip",
        description="when the previous run is still going: skip this fire, allow it, or queue it",
    )
    enabled: StrictBool = True
    failure_limit: FailureLimit = Field(
        default=DEFAULT_FAILURE_LIMIT,
        description="failed runs in a row that pause the trigger (and notify)",
    )


class TriggerReplace(TriggerCreate):
    """PUT: the trigger as it should be (its history stays)."""


class ToggleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    replay_missed: StrictBool = Field(
        default=False,
        description="when enabling a schedule trigger: run the fires it missed while off "
        "(at most 100); otherwise they are never replayed",
    )


class Toggled(BaseModel):
    enabled: bool


class TriggerPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    type: TriggerType
    config: dict[str, Any]
    action: dict[str, Any]
    overlap: Overlap
    enabled: bool
    failure_limit: int
    consecutive_failures: int
    paused_reason: str | None = Field(
        default=None, description="why it paused itself (its action failed too often)"
    )
    last_run_id: str | None = None
    last_job_id: str | None = None
    last_task_id: str | None = None
    last_workflow_run_id: str | None = None
    last_fired_at: datetime | None = None
    schedule_description: str | None = Field(
        default=None, description="the schedule in words (schedule triggers)"
    )
    next_fire_times: list[datetime] | None = Field(
        default=None, description="the next 5 fire times, UTC (schedule triggers; none when off)"
    )
    created_at: datetime
    updated_at: datetime


class FireAnswer(BaseModel):
    run_id: str
    # `queued` (202): a run_agent fire, run on trigger-fires; its run has `run_id`.
    outcome: RunOutcome | Literal["queued"]
    job_id: str | None = None
    task_id: str | None = None
    workflow_run_id: str | None = None


class RunPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    reason: FireReason
    fired_at: datetime
    scheduled_for: datetime
    outcome: RunOutcome
    job_id: str | None = None
    task_id: str | None = None
    workflow_run_id: str | None = None
    error: str | None = None
