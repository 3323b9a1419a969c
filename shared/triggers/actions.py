"""What a trigger does when it fires: its action, rendered from the event and run.

- `start_job`: exactly `POST /jobs` (shared.jobs.start: the body checked as the route
  checks it, the team's settings filling what it leaves out, the slug claimed, `job.created`
  recorded and published, the execution started), charged to the trigger's owner, once
  per run id through the same idempotency as the route's `Idempotency-Key`: a fire run
  again starts no second job and answers the first one's id. The job's phases are budget-
  checked as any job's are (a spent budget becomes a budget approval, not a failure here).
- `run_agent`: one model call through the team's router with the agent's provider, model
  and system prompt, as the agents' test call (budget checked before spending, breaker,
  fallback, cost in the ledger for the owner under call id `trigger-<run id>`, so a fire
  run again is not charged twice). The reply is kept, truncated, as the run's output.
- `create_task`: exactly `POST /tasks` (shared.tasks.service.create_task: the body checked
  as the route checks it, the agent and board the team's, `task.created`, the run queued on
  `task-runs` unless the agent runs on a worker), the task the trigger's owner's, once per
  run id (as start_job). The task runs on; the run records its id.
- `run_workflow`: exactly `POST /workflows/{id}/run` (shared.workflows.runs.start_run: the
  run recorded, its execution started, `workflow.run.started`), once per run id. A
  workflow deleted since the trigger was written, or with no steps, is a failed run.
- `webhook`: a delivery of type `trigger.fired` to one of the team's endpoints through the
  outbound webhooks' machinery (stored, then queued on `webhook-deliveries`: signed, retried
  on its schedule, dead-lettered). Its id comes from the run id and the endpoint, so a run
  made again stores and sends it once.

Rendering: the action's strings are filled from the event's envelope (shared.event_rules.
templates.render). A schedule's fire (or a manual fire) has no event: creation refuses a
placeholder in a schedule's action, so there is nothing to fill, and a placeholder met
without an event is a failed run saying so.

What the team or the action got wrong (no such agent or endpoint, a body the jobs route
would refuse, a spent budget, a provider that failed) is a `failed` result with the error,
which counts towards pausing the trigger. Only a failure of our own machinery that a retry
can cure (storage or a queue unavailable) raises, so the fire is received again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import ValidationError
from ulid import ULID

from shared.errors import DomainError, NotFound, ServiceUnavailable
from shared.event_rules.inbound import HOOK_RECEIVED, with_sender_body
from shared.event_rules.templates import RenderError, render
from shared.ids import utcnow
from shared.triggers.domain import (
    CreateTaskAction,
    RunAgentAction,
    RunWorkflowAction,
    StartJobAction,
    TriggerAction,
    WebhookAction,
)
from shared.vault.references import references_in, resolve

ActionOutcome = Literal["started", "succeeded", "failed"]

# The webhook delivery's type (in the event catalog: receivers subscribe to it by name).
FIRED: Final = "trigger.fired"
# The reply kept as a run's output; the rest is the ledger's and the agent's business.
OUTPUT_CHARS: Final = 4000
ERROR_CHARS: Final = 1000
# The answer an agent may give a trigger's prompt, in tokens (the budget check prices the
# call at this many).
RUN_MAX_TOKENS: Final = 2048
# Idempotency scope of a trigger's job start (the route's is "jobs.create").
START_JOB_SCOPE: Final = "triggers.start_job"
CREATE_TASK_SCOPE: Final = "triggers.create_task"
RUN_WORKFLOW_SCOPE: Final = "triggers.run_workflow"


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What came of an action: `started` (a job, a task or a workflow run that runs on),
    `succeeded` (an agent's reply, a delivery queued) or `failed` with the error."""

    outcome: ActionOutcome
    job_id: str | None = None
    task_id: str | None = None
    workflow_run_id: str | None = None
    output: str | None = None
    error: str | None = None

    @classmethod
    def failed(cls, error: str, *, job_id: str | None = None) -> ActionResult:
        return cls("failed", job_id=job_id, error=error[:ERROR_CHARS])


def run_action(
    team_id: str,
    owner_id: str | None,
    action: TriggerAction,
    event: dict[str, Any] | None,
    *,
    run_id: str,
    trigger_id: str | None = None,
    trigger_name: str | None = None,
) -> ActionResult:
    """Render `action` from `event` (an envelope; None for a schedule's fire) and run it for
    `owner_id` of `team_id` (None: nobody recorded, charged as "system"), once per
    `run_id`. `trigger_id` and `trigger_name` go into a webhook delivery's data (the
    `trigger.fired` shape)."""
    if event is not None and "payload" not in event and event.get("type") == HOOK_RECEIVED:
        # The matcher leaves out a sender's body too large for the fire's message.
        event = with_sender_body(event)
    try:
        rendered = _rendered(action, event)
    except RenderError as exc:
        return ActionResult.failed(exc.detail)
    except DomainError as exc:  # over the rendered size cap, or a body the route refuses
        return ActionResult.failed(exc.detail)
    except ValidationError as exc:
        return ActionResult.failed(f"the rendered action is not valid: {_validation(exc)}")
    try:
        if isinstance(rendered, StartJobAction):
            return _start_job(team_id, owner_id, rendered, run_id)
        if isinstance(rendered, RunAgentAction):
            # Only the secrets the stored prompt names: a reference an event brought in
            # stays text.
            written = action.prompt if isinstance(action, RunAgentAction) else ""
            return _run_agent(team_id, owner_id, rendered, run_id, references_in(written))
        if isinstance(rendered, CreateTaskAction):
            return _create_task(team_id, owner_id, rendered, run_id)
        if isinstance(rendered, RunWorkflowAction):
            return _run_workflow(team_id, owner_id, rendered, run_id)
        return _deliver(team_id, rendered, event, run_id, trigger_id, trigger_name)
    except ServiceUnavailable:
        raise  # ours and transient: the fire is retried
    except DomainError as exc:
        return ActionResult.failed(exc.detail)


def is_running(
    team_id: str,
    job_id: str | None,
    *,
    task_id: str | None = None,
    workflow_run_id: str | None = None,
) -> bool:
    """Whether what a run started is still going: the job (queued, running or waiting for
    an approval), the task (pending, queued or running: not yet completed, failed or
    cancelled) or the workflow run (running). What the `skip` and `queue` overlap
    policies ask; one status read, no event needed. Nothing, or something deleted since:
    nothing is running."""
    if job_id is not None:
        from shared.jobs import store

        try:
            return store.get_job(team_id, job_id).is_active
        except NotFound:
            return False
    if task_id is not None:
        from shared.tasks import store as tasks
        from shared.tasks.domain import ACTIVE

        task = tasks.get_task(team_id, task_id)
        return task is not None and task.status in ACTIVE
    if workflow_run_id is not None:
        from shared.workflows import run_store

        run = run_store.get_run(team_id, workflow_run_id, with_steps=False)
        return run is not None and run.status == "running"
    return False


# Rendering.


def _rendered(action: TriggerAction, event: dict[str, Any] | None) -> TriggerAction:
    """The action with its placeholders filled, checked again as it was at creation (a
    value the event brings in may make a field invalid: a name too long)."""
    template = action.model_dump(mode="json", exclude={"type"})
    try:
        filled = render(template, event if event is not None else _NO_EVENT)
    except RenderError as exc:
        if event is None:
            detail = f"this fire has no event to fill the action from: {exc.detail}"
            raise RenderError(detail) from None
        raise
    return type(action).model_validate({"type": action.type, **filled})


# A fire without an event: every `{{event...}}` lookup finds nothing and says so.
_NO_EVENT: Final[dict[str, Any]] = {}


def _validation(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


# start_job.


def _start_job(
    team_id: str, owner_id: str | None, action: StartJobAction, run_id: str
) -> ActionResult:
    from shared.idempotency import IdempotencyKeyReused, run_once
    from shared.jobs.start import create_job

    def start() -> dict[str, Any]:
        return {"job_id": create_job(team_id, owner_id, action.job).id}

    body = action.job.model_dump(mode="json")
    try:
        answer = run_once(START_JOB_SCOPE, team_id, run_id, body, start)
    except IdempotencyKeyReused:
        return ActionResult.failed(f"run {run_id} already started a job with another body")
    return ActionResult("started", job_id=answer["job_id"])


# run_agent.


def _run_agent(
    team_id: str, owner_id: str | None, action: RunAgentAction, run_id: str, secrets: set[str]
) -> ActionResult:
    # Imported here, as the agents' test call does: only this action needs the router.
    from shared.agents import service as agents
    from shared.agents.schemas import STOPPED
    from shared.jobs.domain import NO_CREATOR
    from shared.knowledge.search import with_knowledge
    from shared.llm.router import CallContext, Target
    from shared.llm.team_router import router_for
    from shared.llm.types import CompletionRequest, Message, ProviderError
    from shared.team_settings import get_team_settings

    try:
        agent = agents.get_agent(team_id, action.agent_id)
    except NotFound:
        return ActionResult.failed(f"agent {action.agent_id} not found")
    if agent.status == STOPPED:
        return ActionResult.failed(f"agent {agent.name!r} is stopped: start it to run it")
    # The agent's knowledge category, matched against the prompt as written (its secrets'
    # names, never their values, are what a search sees).
    instructions = with_knowledge(
        team_id, agent.system_prompt, agent.knowledge_category, action.prompt
    )
    system = (Message("system", instructions),) if instructions else ()
    # The team's secrets the prompt uses by name, put in now; the reply is masked of them
    # (a model may repeat its prompt), so no value is kept in the run.
    prompt = resolve(team_id, action.prompt, only=secrets)
    request = CompletionRequest(
        model=agent.llm_model,
        messages=(*system, Message("user", prompt.text)),
        max_tokens=RUN_MAX_TOKENS,
    )
    # A trigger nobody is recorded as owning is charged as a creator-less job is.
    user_id = owner_id or NO_CREATOR
    call = CallContext(
        team_id=team_id, user_id=user_id, agent_id=agent.id, call_id=f"trigger-{run_id}"
    )
    router = router_for(get_team_settings(team_id))
    try:
        routed = router.complete(call, Target(agent.llm_provider, agent.llm_model), request)
    except ProviderError as exc:
        # Provider errors name no key (the clients redact it).
        return ActionResult.failed(prompt.redact(f"agent {agent.name!r}: {exc}"))
    return ActionResult("succeeded", output=prompt.redact(routed.completion.text)[:OUTPUT_CHARS])


# create_task.


def _create_task(
    team_id: str, owner_id: str | None, action: CreateTaskAction, run_id: str
) -> ActionResult:
    from shared.idempotency import IdempotencyKeyReused, run_once
    from shared.jobs.domain import NO_CREATOR
    from shared.tasks.service import create_task

    def create() -> dict[str, Any]:
        # A trigger nobody is recorded as owning creates its tasks as a creator-less job is.
        return {"task_id": create_task(team_id, owner_id or NO_CREATOR, action.task).id}

    body = action.task.model_dump(mode="json")
    try:
        answer = run_once(CREATE_TASK_SCOPE, team_id, run_id, body, create)
    except IdempotencyKeyReused:
        return ActionResult.failed(f"run {run_id} already created a task with another body")
    return ActionResult("started", task_id=answer["task_id"])


# run_workflow.


def _run_workflow(
    team_id: str, owner_id: str | None, action: RunWorkflowAction, run_id: str
) -> ActionResult:
    from shared.idempotency import IdempotencyKeyReused, run_once
    from shared.jobs.domain import NO_CREATOR
    from shared.workflows.runs import start_run

    def start() -> dict[str, Any]:
        run = start_run(team_id, owner_id or NO_CREATOR, action.workflow_id)
        return {"workflow_run_id": run.id}

    body = {"workflow_id": action.workflow_id}
    try:
        answer = run_once(RUN_WORKFLOW_SCOPE, team_id, run_id, body, start)
    except IdempotencyKeyReused:
        return ActionResult.failed(f"run {run_id} already started another workflow")
    return ActionResult("started", workflow_run_id=answer["workflow_run_id"])


# webhook.


def _deliver(
    team_id: str,
    action: WebhookAction,
    event: dict[str, Any] | None,
    run_id: str,
    trigger_id: str | None,
    trigger_name: str | None,
) -> ActionResult:
    from shared.webhooks.direct import Undeliverable, deliver_to

    data = {
        "team_id": team_id,
        "trigger_id": trigger_id,
        "name": trigger_name,
        "run_id": run_id,
        "outcome": "succeeded",
        "job_id": None,
        "task_id": None,
        "workflow_run_id": None,
        # The event that fired it, without an inbound sender's body (`payload`): that can
        # be far larger than a delivery may be, and the receiver asked for the fire.
        "event": None if event is None else {k: v for k, v in event.items() if k != "payload"},
    }
    try:
        made = deliver_to(team_id, action.webhook_id, FIRED, data, key=run_id, at=_run_time(run_id))
    except Undeliverable as exc:
        return ActionResult.failed(str(exc))
    return ActionResult("succeeded", output=f"delivery {made.id} queued")


def _run_time(run_id: str) -> datetime:
    """The run's time from its id (a ULID), so a run made again makes the same delivery."""
    try:
        return ULID.from_str(run_id).datetime
    except ValueError:
        return utcnow()
