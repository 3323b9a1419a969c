"""Workflow runs: started as an execution of the one interpreter state machine (named by
the run id, its input the run's step ids), read with each step's status, cancelled; and
what the step worker does for each action of the document (shared.workflows.asl):

    await   store the step's Ready token; answered at once when nothing is left to wait on
    start   waiting → running with the Run token, then start the step by type; whatever
            ends it answers that token (a task's end, an approval's decision, the webhook's
            answer, the wait's delayed message)
    passed  record the output; each dependent no longer waits on this step
    failed  record the error; each dependent fails (DependencyFailed), siblings run on
    settle  the run's end: failed if any step failed, else completed (once)
"""

from __future__ import annotations

import json
from contextlib import suppress
from datetime import timedelta
from typing import Any, Final

from botocore.exceptions import ClientError

from shared import events
from shared.aws import client
from shared.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from shared.ids import new_id, utcnow
from shared.observability import logger
from shared.pagination import PageParams
from shared.settings import get_settings
from shared.workflows import run_store, service
from shared.workflows.domain import Run, RunStep
from shared.workflows.run_store import Release

STARTED_EVENT: Final = "workflow.run.started"
COMPLETED_EVENT: Final = "workflow.run.completed"
FAILED_EVENT: Final = "workflow.run.failed"
CANCELLED_EVENT: Final = "workflow.run.cancelled"
WAIT_QUEUE: Final = "workflow-steps"
WEBHOOK_TIMEOUT_SECONDS: Final = 10.0
# The execution ended (stopped, timed out) or the token is not one: nothing waits.
_GONE: Final = ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")
_CAUSE_CHARS: Final = 32_000


def run_data(run: Run) -> dict[str, Any]:
    return {
        "team_id": run.team_id,
        "workflow_id": run.workflow_id,
        "run_id": run.id,
        "status": run.status,
        "error": run.error,
    }


def start_run(team_id: str, user_id: str, workflow_id: str) -> Run:
    """Record a run of the workflow and start its execution (named by the run id)."""
    workflow = service.get_workflow(team_id, workflow_id)
    if not workflow.steps:
        raise Unprocessable("the workflow has no steps to run")
    run_id = new_id()
    run = run_store.create_run(workflow, run_id, user_id)
    steps = [step.id for step in sorted(workflow.steps, key=lambda s: (s.order, s.id))]
    try:
        client("stepfunctions").start_execution(
            stateMachineArn=get_settings().workflows_state_machine_arn,
            name=run_id,
            input=json.dumps({"team_id": team_id, "run_id": run_id, "steps": steps}),
        )
    except Exception as exc:
        logger.exception("could not start the workflow execution")
        run_store.cancel_steps(team_id, run_id)
        run_store.end_run(team_id, run_id, "failed", "the run could not be started")
        raise ServiceUnavailable("the run could not be started; retry shortly") from exc
    events.publish(STARTED_EVENT, run_data(run))
    return run


def get_run(team_id: str, workflow_id: str, run_id: str) -> Run:
    run = run_store.get_run(team_id, run_id)
    if run is None or run.workflow_id != workflow_id:
        raise NotFound(f"run {run_id} not found")
    return run


def list_runs(
    team_id: str, workflow_id: str, params: PageParams
) -> tuple[list[Run], int, str | None]:
    service.get_workflow(team_id, workflow_id)
    return run_store.list_runs(team_id, workflow_id, params)


def execution_arn(run_id: str) -> str:
    machine = get_settings().workflows_state_machine_arn
    return machine.replace(":stateMachine:", ":execution:") + f":{run_id}"


def cancel_run(team_id: str, workflow_id: str, run_id: str) -> Run:
    """Stop the execution, record the run cancelled and cancel its running tasks."""
    run = get_run(team_id, workflow_id, run_id)
    if run.status != "running":
        raise Conflict(f"the run is {run.status}; only a running run can be cancelled")
    sfn = client("stepfunctions")
    try:
        sfn.stop_execution(
            executionArn=execution_arn(run_id), error="RunCancelled", cause="cancelled"
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ExecutionDoesNotExist":
            raise
    ended = run_store.end_run(team_id, run_id, "cancelled", "cancelled by a user")
    if ended is None:
        raise Conflict("the run ended meanwhile")
    for step in run_store.cancel_steps(team_id, run_id):
        _cancel_work(team_id, step)
    events.publish(CANCELLED_EVENT, run_data(ended))
    return get_run(team_id, workflow_id, run_id)


def _cancel_work(team_id: str, step: RunStep) -> None:
    if step.task_id is not None:
        from shared.tasks import service as tasks

        with suppress(Conflict, NotFound):  # it ended meanwhile
            tasks.cancel_task(team_id, step.task_id)


# The step worker's actions.


StepKey = tuple[str, str, str]  # (team, run, step)


def _answer(key: StepKey, release: tuple[Release, str] | None, cause: str = "") -> None:
    if release is None:
        return
    kind, token = release
    if kind == "success":
        succeed(token, {})
    else:
        fail(token, "DependencyFailed", cause, key=key)


def succeed(token: str, output: Any) -> None:
    try:
        client("stepfunctions").send_task_success(taskToken=token, output=json.dumps(output))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in _GONE:
            raise


def fail(token: str, error: str, cause: str, *, key: StepKey | None = None) -> None:
    """Fail a token; with the step's `key`, the reason is recorded on the step first (the
    Catch's Cause may not carry it: moto's SendTaskFailure drops it)."""
    if key is not None:
        run_store.note_error(*key, f"{error}: {cause}" if cause else error)
    try:
        client("stepfunctions").send_task_failure(
            taskToken=token, error=error, cause=cause[:_CAUSE_CHARS]
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in _GONE:
            raise


def await_step(team_id: str, run_id: str, step_id: str, token: str) -> None:
    step = run_store.get_step(team_id, run_id, step_id)
    _answer(
        (team_id, run_id, step_id),
        run_store.store_ready_token(team_id, run_id, step_id, token),
        f"a step it depends on failed ({step.name if step else step_id})",
    )


def start_step(team_id: str, run_id: str, step_id: str, token: str) -> None:
    """Start the step by type; a step that cannot start fails its own token."""
    run = run_store.get_run(team_id, run_id, with_steps=False)
    step = run_store.get_step(team_id, run_id, step_id)
    if run is None or step is None:
        fail(token, "RunGone", "the run or its step no longer exists")
        return
    if not run_store.start_step(team_id, run_id, step_id, token):
        if step.status == "cancelled":
            fail(token, "RunCancelled", "the run was cancelled", key=(team_id, run_id, step_id))
        # else a retried start: the first one's work answers the token.
        return
    try:
        _STARTERS[step.step_type](run, step, token)
    except (Unprocessable, NotFound, Conflict) as exc:
        fail(token, "StepInvalid", str(exc), key=(team_id, run_id, step_id))


def _key(run: Run, step: RunStep) -> StepKey:
    return run.team_id, run.id, step.step_id


def _agent_task(run: Run, step: RunStep, token: str) -> None:
    from shared.tasks import service as tasks
    from shared.tasks.requests import TaskCreate

    config = step.config
    request = TaskCreate(
        title=str(config.get("title") or step.name)[:200],
        description=str(config.get("description") or ""),
        instructions=str(config.get("instructions") or config.get("prompt") or step.name),
        priority=config.get("priority", "medium"),
        agent_id=step.agent_id,
    )
    task = tasks.create_task(run.team_id, run.created_by or "workflow", request, task_token=token)
    run_store.set_step_work(run.team_id, run.id, step.step_id, task_id=task.id)


def _approval(run: Run, step: RunStep, token: str) -> None:
    # A request the team decides like any approval (GET /approvals): the decision answers
    # the token, approved passing the step and rejected failing it (and its dependents).
    from shared.approvals.requests import open_approval

    config = step.config
    approval = open_approval(
        run.team_id,
        run.created_by,
        str(config.get("title") or f"Approve step {step.name!r}")[:200],
        {"workflow_id": run.workflow_id, "run_id": run.id, "step": step.name},
        description=str(config["description"])[:4000] if config.get("description") else None,
        task_token=token,
        origin={"workflow_id": run.workflow_id, "run_id": run.id, "step_id": step.step_id},
    )
    run_store.set_step_work(run.team_id, run.id, step.step_id, approval_id=approval.id)


def _webhook(run: Run, step: RunStep, token: str) -> None:
    import httpx

    from shared.url_policy import check_url
    from shared.webhooks.delivery import strict_urls

    url = check_url(str(step.config.get("url") or ""), strict=strict_urls(), allow_query=True)
    body = {"workflow_id": run.workflow_id, "run_id": run.id, "step": step.name}
    body.update(dict(step.config.get("body") or {}))
    try:
        with httpx.Client(timeout=WEBHOOK_TIMEOUT_SECONDS, transport=webhook_transport) as http:
            answer = http.post(url, json=body)
    except httpx.HTTPError as exc:
        fail(token, "WebhookFailed", f"{type(exc).__name__}: {exc}", key=_key(run, step))
        return
    if 200 <= answer.status_code < 300:
        succeed(token, {"status_code": answer.status_code, "body": answer.text[:4_000]})
    else:
        fail(token, "WebhookFailed", f"HTTP {answer.status_code}", key=_key(run, step))


# Tests put an httpx transport here (None: the network).
webhook_transport: Any = None


def _wait(run: Run, step: RunStep, token: str) -> None:
    seconds = float(step.config.get("seconds") or 0)
    if seconds <= 0:
        succeed(token, {"waited_seconds": 0})
        return
    from shared.schedules import send_later

    message = {
        "team_id": run.team_id,
        "run_id": run.id,
        "step_id": step.step_id,
        "once": f"{run.id}#{step.step_id}",
        "waited_seconds": seconds,
    }
    send_later(WAIT_QUEUE, message, utcnow() + timedelta(seconds=seconds))


def _waiting_token(message: dict[str, Any]) -> str | None:
    """The Run token of the running wait step the message names (None: it ended)."""
    step = run_store.get_step(message["team_id"], message["run_id"], message["step_id"])
    if step is None or step.status != "running":
        return None
    return step.run_token


def end_wait(message: dict[str, Any]) -> None:
    """A wait step's delayed message arrived: its wait is over."""
    token = _waiting_token(message)
    if token is not None:
        succeed(token, {"waited_seconds": message.get("waited_seconds")})


def settle_dead_letter(payload: Any) -> None:
    """A wait step's message that could not be handled: the step fails (its dependents
    and the run with it) rather than wait out its 7 days."""
    if not isinstance(payload, dict) or not {"team_id", "run_id", "step_id"} <= payload.keys():
        return
    token = _waiting_token(payload)
    if token is not None:
        key = (payload["team_id"], payload["run_id"], payload["step_id"])
        fail(token, "WaitFailed", "the wait's message could not be handled", key=key)


_STARTERS = {"agent_task": _agent_task, "approval": _approval, "webhook": _webhook, "wait": _wait}


def step_passed(team_id: str, run_id: str, step_id: str, output: Any) -> None:
    step = run_store.get_step(team_id, run_id, step_id)
    if step is None:
        return
    run_store.end_step(team_id, run_id, step_id, "passed", output=output)
    for dependent in step.dependents:
        _answer(
            (team_id, run_id, dependent),
            run_store.pass_dependency(team_id, run_id, dependent, step_id),
        )


def step_failed(team_id: str, run_id: str, step_id: str, error: dict[str, Any]) -> None:
    step = run_store.get_step(team_id, run_id, step_id)
    if step is None:
        return
    run_store.end_step(team_id, run_id, step_id, "failed", error=_reason(team_id, step, error))
    for dependent in step.dependents:
        _answer(
            (team_id, run_id, dependent),
            run_store.fail_dependency(team_id, run_id, dependent, step_id),
            f"a step it depends on failed ({step.name})",
        )


def _reason(team_id: str, step: RunStep, error: dict[str, Any]) -> str:
    """The Catch's error and cause; else what was noted on the step for that error, else
    (a task's end) the task's own error."""
    kind, cause = str(error.get("Error") or "Failed"), error.get("Cause")
    if cause:
        return f"{kind}: {cause}"
    if step.error and step.error.split(":", 1)[0] == kind:
        return step.error
    if step.task_id is not None:
        from shared.tasks import service as tasks

        with suppress(NotFound):
            task_error = tasks.get_task(team_id, step.task_id).error
            if task_error:
                return f"{kind}: {task_error}"
    return kind


def settle(team_id: str, run_id: str) -> None:
    """Record how the run ended (once) and announce it."""
    steps = run_store.run_steps(team_id, run_id)
    failed = [step.name for step in steps if step.status != "passed"]
    error = f"steps failed: {', '.join(failed)}" if failed else None
    ended = run_store.end_run(team_id, run_id, "failed" if failed else "completed", error)
    if ended is not None:
        events.publish(FAILED_EVENT if failed else COMPLETED_EVENT, run_data(ended))
