"""What the triggers' store and services hand out: a trigger (its schedule or event
pattern, its action, its overlap policy and failure streak), the actions it can take, one
run of it (a history row), and the `trigger-fires` message that asks for a run.

Storage shapes are shared.triggers.models; API shapes functions/triggers/schemas.py. The
actions are checked here (pydantic) and rendered and run by shared.triggers.actions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

# The `POST /jobs` and `POST /tasks` bodies: a trigger starts a job or creates a task
# exactly as those routes do.
from shared.jobs.requests import JobCreate
from shared.tasks.requests import EntityId, TaskCreate

TriggerType = Literal["schedule", "event"]
# skip: a fire while the previous run is still going is recorded as skipped (default);
# allow: runs anyway; queue: waits for the previous run to end, then runs.
Overlap = Literal["skip", "allow", "queue"]
# Why a run was asked for: its schedule, a matching event, a missed fire replayed when the
# trigger was enabled again, a queued fire coming back, or `POST /triggers/{id}/fire`.
FireReason = Literal["schedule", "event", "replay", "queued", "manual"]
# started: the action started something that runs on (a job, a task, a workflow run);
# succeeded/failed: the
# action's own answer (an agent's reply, a delivery queued); skipped: overlap policy.
RunOutcome = Literal["started", "succeeded", "failed", "skipped"]

# A trigger whose action fails this many times in a row is paused (its own field may say
# otherwise) and `trigger.paused` is published.
DEFAULT_FAILURE_LIMIT: Final = 5
MAX_FAILURE_LIMIT: Final = 100
# Runs are kept this long (TTL); a fire's claim long enough to outlive every redelivery.
RUN_RETENTION_SECONDS: Final = 90 * 24 * 3600
CLAIM_RETENTION_SECONDS: Final = 7 * 24 * 3600
MAX_PROMPT_LENGTH: Final = 20_000


class StartJobAction(BaseModel):
    """Start a generation job from a stored job template (the `POST /jobs` body; its
    strings may hold `{{event...}}` placeholders)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["start_job"]
    job: JobCreate


class RunAgentAction(BaseModel):
    """Run one of the team's agents with a prompt (through the router, as its test call)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["run_agent"]
    agent_id: str = Field(min_length=1, max_length=64)
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_LENGTH)


class CreateTaskAction(BaseModel):
    """Create a task (the `POST /tasks` body; its strings may hold `{{event...}}`
    placeholders): run by its agent, or pending for a person or a board's agent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["create_task"]
    task: TaskCreate


class RunWorkflowAction(BaseModel):
    """Start a run of one of the team's workflows (as `POST /workflows/{id}/run`). The id
    is a literal one, so it is checked when the trigger is written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["run_workflow"]
    workflow_id: EntityId


class WebhookAction(BaseModel):
    """Deliver the fire (type `trigger.fired`) to one of the team's webhook endpoints."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["webhook"]
    webhook_id: str = Field(min_length=1, max_length=64)


TriggerAction = Annotated[
    StartJobAction | RunAgentAction | WebhookAction | CreateTaskAction | RunWorkflowAction,
    Field(discriminator="type"),
]


class Trigger(BaseModel):
    """A team's trigger. `config` is the schedule's (`{cron|rate|at, timezone, start, end}`,
    shared.triggers.schedule) or the event pattern's (`{event, filters}`,
    shared.event_rules.patterns), as given and checked."""

    model_config = ConfigDict(frozen=True)

    id: str
    team_id: str
    name: str
    type: TriggerType
    config: dict[str, Any]
    action: TriggerAction
    overlap: Overlap = "skip"
    enabled: bool = True
    failure_limit: int = DEFAULT_FAILURE_LIMIT
    # The action's failures in a row (a success sets it back to 0).
    consecutive_failures: int = 0
    # Why the trigger is off when it paused itself; None when a person turned it off.
    paused_reason: str | None = None
    # When it was last turned off: missed fires since then may be replayed on enabling.
    disabled_at: datetime | None = None
    # Runs counted in the current window of an hour (the runaway guard: runner.py).
    window_started_at: datetime | None = None
    window_runs: int = 0
    # Whose actions these are: the member who created the trigger (jobs are theirs).
    owner_id: str | None = None
    last_run_id: str | None = None
    # What the last run that started something started (one of the three; the overlap
    # policies ask whether it is still going).
    last_job_id: str | None = None
    last_task_id: str | None = None
    last_workflow_run_id: str | None = None
    last_fired_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    # The version read (a conditional write checks it); never shown.
    version: int | None = None


class TriggerRun(BaseModel):
    """One fire of a trigger and what came of it (a history row)."""

    model_config = ConfigDict(frozen=True)

    id: str
    team_id: str
    trigger_id: str
    reason: FireReason
    fired_at: datetime
    # The schedule's time for this fire (the event's time for an event, now for a manual fire).
    scheduled_for: datetime
    outcome: RunOutcome
    # What the run started: a job, a task or a workflow run.
    job_id: str | None = None
    task_id: str | None = None
    workflow_run_id: str | None = None
    # The event that fired it (event triggers).
    event_id: str | None = None
    error: str | None = None
    output: str | None = None


class FireRequest(BaseModel):
    """A `trigger-fires` message: one fire to run (at most once per trigger and fire)."""

    model_config = ConfigDict(frozen=True)

    team_id: str
    trigger_id: str
    scheduled_for: datetime
    reason: FireReason
    # The event's envelope (shared.event_rules.patterns.envelope) for an event trigger.
    event: dict[str, Any] | None = None
    # How many times this fire was put back to wait for the previous run (overlap queue).
    queued: int = 0
    # A fire of its own that neither a time nor an event names (a manual fire's run); its
    # run has this id, so a queued manual fire's answer names the run it will make.
    fire_id: str | None = None
    # Whose a queued manual fire is (the caller of POST /triggers/{id}/fire).
    owner_id: str | None = None

    @property
    def fire_key(self) -> str:
        """What makes a fire one: the event's id, else the scheduled time (UTC, seconds)."""
        if self.fire_id is not None:
            return f"fire:{self.fire_id}"
        if self.event is not None and self.event.get("id"):
            return f"event:{self.event['id']}"
        return f"at:{self.scheduled_for.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
