"""Workflow runs' storage (keys in shared.workflows.models): a run item and one item per
step. Releasing a step is race-free: its Ready token is answered by whichever write comes
second, the one storing the token or the one passing (or failing) its last dependency,
through one conditional claim (`released`), so exactly once."""

from __future__ import annotations

from typing import Any, Literal

from pynamodb.exceptions import UpdateError

from shared.db.base import get_or_none, storage_errors, team_partition, utcnow
from shared.db.query import query_page
from shared.db.transactions import transact
from shared.pagination import PageParams
from shared.workflows.domain import Run, RunStep, Workflow
from shared.workflows.models import (
    WorkflowRunItem,
    WorkflowRunStepItem,
    run_key,
    run_step_key,
    runs_partition,
)

Release = Literal["success", "failure"]


def _conditional_failed(exc: UpdateError) -> bool:
    return bool(exc.cause_response_code == "ConditionalCheckFailedException")


def _to_step(item: WorkflowRunStepItem) -> RunStep:
    return RunStep(
        step_id=item.step_id,
        name=item.name,
        step_type=item.step_type,  # type: ignore[arg-type]
        config=dict(item.config or {}),
        agent_id=item.agent_id,
        depends_on=tuple(str(need) for need in item.depends_on or ()),
        dependents=tuple(str(other) for other in item.dependents or ()),
        status=item.status,  # type: ignore[arg-type]
        output=item.output,
        error=item.error,
        task_id=item.task_id,
        approval_id=item.approval_id,
        run_token=item.run_token,
    )


def _to_run(item: WorkflowRunItem, steps: tuple[RunStep, ...] = ()) -> Run:
    return Run(
        team_id=item.team_id,
        id=item.run_id,
        workflow_id=item.workflow_id,
        status=item.status,  # type: ignore[arg-type]
        created_by=item.created_by,
        created_at=item.created_at,
        completed_at=item.completed_at,
        error=item.error,
        steps=steps,
    )


def create_run(workflow: Workflow, run_id: str, created_by: str) -> Run:
    """The run (running) and its steps (waiting on their dependencies), in one transaction
    (MAX_STEPS + 1 ≤ DynamoDB's 100 items)."""
    partition = team_partition(workflow.team_id)
    dependents: dict[str, list[str]] = {step.id: [] for step in workflow.steps}
    for step in workflow.steps:
        for need in step.depends_on:
            dependents[need].append(step.id)
    run = WorkflowRunItem(
        partition,
        run_key(run_id),
        team_id=workflow.team_id,
        run_id=run_id,
        workflow_id=workflow.id,
        status="running",
        created_by=created_by,
        gsi1pk=runs_partition(workflow.team_id, workflow.id),
        gsi1sk=run_id,
    )
    steps = [
        WorkflowRunStepItem(
            partition,
            run_step_key(run_id, step.id),
            team_id=workflow.team_id,
            run_id=run_id,
            step_id=step.id,
            name=step.name,
            step_type=step.step_type,
            config=step.config,
            agent_id=step.agent_id,
            depends_on=list(step.depends_on),
            dependents=dependents[step.id],
            waiting_on=set(step.depends_on) or None,
            status="waiting",
        )
        for step in workflow.steps
    ]
    now = utcnow()
    for item in (run, *steps):
        item.created_at = now
        item.updated_at = now

    def write(transaction: Any) -> None:
        for item in (run, *steps):
            transaction.save(item, condition=WorkflowRunItem.pk.does_not_exist())

    if transact(write, what="workflow run"):
        from shared.errors import Conflict

        raise Conflict("the run could not be recorded")
    return _to_run(run, tuple(_to_step(step) for step in steps))


def get_run(team_id: str, run_id: str, *, with_steps: bool = True) -> Run | None:
    item = get_or_none(WorkflowRunItem, team_partition(team_id), run_key(run_id))
    if item is None:
        return None
    return _to_run(item, run_steps(team_id, run_id) if with_steps else ())


def run_steps(team_id: str, run_id: str) -> tuple[RunStep, ...]:
    with storage_errors("workflow run"):
        items = WorkflowRunStepItem.query(
            team_partition(team_id),
            WorkflowRunStepItem.sk.startswith(run_step_key(run_id)),
            consistent_read=True,
        )
        return tuple(_to_step(item) for item in items)


def get_step(team_id: str, run_id: str, step_id: str) -> RunStep | None:
    item = get_or_none(WorkflowRunStepItem, team_partition(team_id), run_step_key(run_id, step_id))
    return None if item is None else _to_step(item)


def list_runs(
    team_id: str, workflow_id: str, params: PageParams
) -> tuple[list[Run], int, str | None]:
    items, total, cursor = query_page(
        WorkflowRunItem.by_workflow, runs_partition(team_id, workflow_id), params
    )
    return [_to_run(item) for item in items], total, cursor


def _step_item(team_id: str, run_id: str, step_id: str) -> WorkflowRunStepItem:
    return WorkflowRunStepItem(team_partition(team_id), run_step_key(run_id, step_id))


def _update(item: Any, actions: list[Any], condition: Any) -> bool:
    """One conditional update; False when its condition did not hold."""
    try:
        item.update(
            [*actions, type(item).updated_at.set(utcnow())],
            condition=condition,
            add_version_condition=False,
        )
    except UpdateError as exc:
        if _conditional_failed(exc):
            return False
        raise
    return True


def _claim_release(team_id: str, run_id: str, step_id: str) -> tuple[Release, str] | None:
    """Claim the answer to the step's Ready token, once its token is stored and its
    dependencies are all passed (success) or one failed (failure): None when it is not
    time yet or another writer claimed it."""
    item = _step_item(team_id, run_id, step_id)
    ready = WorkflowRunStepItem.ready_token.exists() & WorkflowRunStepItem.released.does_not_exist()
    if _update(
        item,
        [WorkflowRunStepItem.released.set(True)],
        ready & WorkflowRunStepItem.dependency_failed.exists(),
    ):
        return "failure", item.ready_token
    if _update(
        item,
        [WorkflowRunStepItem.released.set(True)],
        ready & WorkflowRunStepItem.waiting_on.does_not_exist(),
    ):
        return "success", item.ready_token
    return None


def store_ready_token(
    team_id: str, run_id: str, step_id: str, token: str
) -> tuple[Release, str] | None:
    """Record the step's Ready token (a retried call keeps the first); then claim its
    release if nothing is left to wait for."""
    _update(
        _step_item(team_id, run_id, step_id),
        [WorkflowRunStepItem.ready_token.set(token)],
        WorkflowRunStepItem.pk.exists() & WorkflowRunStepItem.ready_token.does_not_exist(),
    )
    return _claim_release(team_id, run_id, step_id)


def pass_dependency(
    team_id: str, run_id: str, step_id: str, dependency: str
) -> tuple[Release, str] | None:
    """`dependency` passed: `step_id` no longer waits on it (idempotent: a set delete);
    then claim the step's release if that was the last."""
    _update(
        _step_item(team_id, run_id, step_id),
        [WorkflowRunStepItem.waiting_on.delete({dependency})],
        WorkflowRunStepItem.pk.exists(),
    )
    return _claim_release(team_id, run_id, step_id)


def fail_dependency(
    team_id: str, run_id: str, step_id: str, dependency: str
) -> tuple[Release, str] | None:
    """`dependency` failed: so does `step_id` (the first failed dependency is kept)."""
    _update(
        _step_item(team_id, run_id, step_id),
        [WorkflowRunStepItem.dependency_failed.set(dependency)],
        WorkflowRunStepItem.pk.exists() & WorkflowRunStepItem.dependency_failed.does_not_exist(),
    )
    return _claim_release(team_id, run_id, step_id)


def start_step(
    team_id: str,
    run_id: str,
    step_id: str,
    token: str,
) -> bool:
    """waiting → running with its Run token; False when it was not waiting (a retry, or
    the run was cancelled)."""
    return _update(
        _step_item(team_id, run_id, step_id),
        [
            WorkflowRunStepItem.status.set("running"),
            WorkflowRunStepItem.run_token.set(token),
        ],
        WorkflowRunStepItem.status == "waiting",
    )


def set_step_work(
    team_id: str,
    run_id: str,
    step_id: str,
    *,
    task_id: str | None = None,
    approval_id: str | None = None,
) -> None:
    actions = []
    if task_id is not None:
        actions.append(WorkflowRunStepItem.task_id.set(task_id))
    if approval_id is not None:
        actions.append(WorkflowRunStepItem.approval_id.set(approval_id))
    if actions:
        _update(_step_item(team_id, run_id, step_id), actions, WorkflowRunStepItem.pk.exists())


def note_error(team_id: str, run_id: str, step_id: str, error: str) -> None:
    """The reason a step's token is about to be failed with (its status comes after)."""
    _update(
        _step_item(team_id, run_id, step_id),
        [WorkflowRunStepItem.error.set(error)],
        WorkflowRunStepItem.status.is_in("waiting", "running"),
    )


def end_step(
    team_id: str,
    run_id: str,
    step_id: str,
    status: Literal["passed", "failed"],
    *,
    output: Any = None,
    error: str | None = None,
) -> bool:
    """The step's end (from waiting or running; a cancelled step stays cancelled)."""
    actions = [WorkflowRunStepItem.status.set(status)]
    if output is not None:
        actions.append(WorkflowRunStepItem.output.set(output))
    if error is not None:
        actions.append(WorkflowRunStepItem.error.set(error))
    return _update(
        _step_item(team_id, run_id, step_id),
        actions,
        WorkflowRunStepItem.status.is_in("waiting", "running"),
    )


def cancel_steps(team_id: str, run_id: str) -> list[RunStep]:
    """Every step not ended yet → cancelled; the ones this moved (as they were)."""
    moved: list[RunStep] = []
    for step in run_steps(team_id, run_id):
        if step.status in ("waiting", "running") and _update(
            _step_item(team_id, run_id, step.step_id),
            [
                WorkflowRunStepItem.status.set("cancelled"),
                WorkflowRunStepItem.error.set("the run was cancelled"),
            ],
            WorkflowRunStepItem.status.is_in("waiting", "running"),
        ):
            moved.append(step)
    return moved


def end_run(
    team_id: str,
    run_id: str,
    status: Literal["completed", "failed", "cancelled"],
    error: str | None = None,
) -> Run | None:
    """running → `status`, once; None when the run had already ended."""
    item = WorkflowRunItem(team_partition(team_id), run_key(run_id))
    now = utcnow()
    actions = [WorkflowRunItem.status.set(status), WorkflowRunItem.completed_at.set(now)]
    if error is not None:
        actions.append(WorkflowRunItem.error.set(error))
    if not _update(item, actions, WorkflowRunItem.status == "running"):
        return None
    return _to_run(item)
