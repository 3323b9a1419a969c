"""The workflows group's app: `/workflows` (CRUD), their steps (a dependency that is
unknown, the step itself or closes a cycle is refused with 422), and copies of templates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Response

from functions.workflows.schemas import (
    StepCreate,
    StepPublic,
    StepUpdate,
    WorkflowCreate,
    WorkflowPublic,
    WorkflowRunPublic,
    WorkflowRunStarted,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.workflows import runs, service
from shared.workflows.domain import Run, Step, Workflow
from shared.workflows.requests import ID_PATTERN

router = group_router(tags=["workflows"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]


def _step(step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "name": step.name,
        "step_type": step.step_type,
        "order": step.order,
        "config": step.config,
        "agent_id": step.agent_id,
        "depends_on": list(step.depends_on),
    }


def _workflow(workflow: Workflow) -> dict[str, Any]:
    return {
        "id": workflow.id,
        "name": workflow.name,
        "description": workflow.description,
        "is_template": workflow.is_template,
        "config": workflow.config,
        "steps": [_step(step) for step in sorted(workflow.steps, key=lambda s: s.order)],
        "created_by": workflow.created_by,
        "created_at": workflow.created_at,
        "updated_at": workflow.updated_at,
    }


@router.get(
    "/workflows",
    response_model=Page[WorkflowPublic],
    responses=LIST_RESPONSES,
    summary="The team's workflows, newest first",
)
async def list_workflows(principal: CurrentPrincipal, params: Pagination) -> dict[str, Any]:
    items, total, cursor = service.list_workflows(principal.team_id, params)
    return page_answer([_workflow(item) for item in items], total, params, cursor)


@router.post(
    "/workflows",
    status_code=201,
    response_model=WorkflowPublic,
    responses=error_responses(409),
    summary="Create a workflow (steps are added to it)",
)
async def create_workflow(body: WorkflowCreate, principal: CurrentPrincipal) -> dict[str, Any]:
    return _workflow(service.create_workflow(principal.team_id, principal.subject, body))


@router.get(
    "/workflows/{workflow_id}",
    response_model=WorkflowPublic,
    responses=_FOUND,
    summary="A workflow with all its steps",
)
async def get_workflow(workflow_id: IdPath, principal: CurrentPrincipal) -> dict[str, Any]:
    return _workflow(service.get_workflow(principal.team_id, workflow_id))


@router.delete(
    "/workflows/{workflow_id}",
    status_code=204,
    responses=_FOUND,
    summary="Delete a workflow",
)
async def delete_workflow(workflow_id: IdPath, principal: CurrentPrincipal) -> Response:
    service.delete_workflow(principal.team_id, workflow_id)
    return Response(status_code=204)


@router.post(
    "/workflows/{workflow_id}/steps",
    status_code=201,
    response_model=StepPublic,
    # 409: a step of that name, or another edit landed first; 422: an unknown dependency,
    # the step itself, a cycle (named), or the step cap.
    responses=error_responses(404, 409),
    summary="Add a step; its dependencies must be the workflow's steps and form no cycle",
)
async def add_step(
    workflow_id: IdPath, body: StepCreate, principal: CurrentPrincipal
) -> dict[str, Any]:
    return _step(service.add_step(principal.team_id, workflow_id, body))


@router.patch(
    "/workflows/{workflow_id}/steps/{step_id}",
    response_model=StepPublic,
    responses=error_responses(404, 409),
    summary="Change a step's name, order or dependencies (a cycle is refused, named)",
)
async def update_step(
    workflow_id: IdPath, step_id: IdPath, body: StepUpdate, principal: CurrentPrincipal
) -> dict[str, Any]:
    return _step(service.update_step(principal.team_id, workflow_id, step_id, body))


@router.delete(
    "/workflows/{workflow_id}/steps/{step_id}",
    status_code=204,
    # 409: other steps depend on it.
    responses=error_responses(404, 409),
    summary="Remove a step no other step depends on",
)
async def delete_step(
    workflow_id: IdPath, step_id: IdPath, principal: CurrentPrincipal
) -> Response:
    service.delete_step(principal.team_id, workflow_id, step_id)
    return Response(status_code=204)


@router.post(
    "/workflows/{workflow_id}/copy",
    status_code=201,
    response_model=WorkflowPublic,
    # 409: the workflow is not a template.
    responses=error_responses(404, 409),
    summary="Copy a template (is_template) into a new workflow with the same steps",
)
async def copy_workflow(workflow_id: IdPath, principal: CurrentPrincipal) -> dict[str, Any]:
    return _workflow(service.copy_workflow(principal.team_id, principal.subject, workflow_id))


def _run(run: Run) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "workflow_id": run.workflow_id,
        "status": run.status,
        "error": run.error,
        "created_by": run.created_by,
        "created_at": run.created_at,
        "completed_at": run.completed_at,
        "steps": [
            {
                "step_id": step.step_id,
                "name": step.name,
                "step_type": step.step_type,
                "status": step.status,
                "output": step.output,
                "error": step.error,
                "task_id": step.task_id,
                "approval_id": step.approval_id,
            }
            for step in run.steps
        ],
    }


@router.post(
    "/workflows/{workflow_id}/run",
    status_code=202,
    response_model=WorkflowRunStarted,
    # 422: the workflow has no steps; 503: the execution could not be started.
    responses=error_responses(404, 503),
    summary="Run the workflow: independent steps in parallel, each once its dependencies passed",
)
async def run_workflow(workflow_id: IdPath, principal: CurrentPrincipal) -> dict[str, Any]:
    run = runs.start_run(principal.team_id, principal.subject, workflow_id)
    return {"run_id": run.id, "status": run.status}


@router.get(
    "/workflows/{workflow_id}/runs",
    response_model=Page[WorkflowRunPublic],
    responses={**LIST_RESPONSES, **_FOUND},
    summary="The workflow's runs, newest first (each step's status: GET the run)",
)
async def list_runs(
    workflow_id: IdPath, principal: CurrentPrincipal, params: Pagination
) -> dict[str, Any]:
    items, total, cursor = runs.list_runs(principal.team_id, workflow_id, params)
    return page_answer([_run(item) for item in items], total, params, cursor)


@router.get(
    "/workflows/{workflow_id}/runs/{run_id}",
    response_model=WorkflowRunPublic,
    responses=_FOUND,
    summary="A run with each step's status, output and error",
)
async def get_run(
    workflow_id: IdPath, run_id: IdPath, principal: CurrentPrincipal
) -> dict[str, Any]:
    return _run(runs.get_run(principal.team_id, workflow_id, run_id))


@router.post(
    "/workflows/{workflow_id}/runs/{run_id}/cancel",
    response_model=WorkflowRunPublic,
    # 409: the run has ended.
    responses=error_responses(404, 409),
    summary="Cancel a running run: its execution stops, its running tasks are cancelled",
)
async def cancel_run(
    workflow_id: IdPath, run_id: IdPath, principal: CurrentPrincipal
) -> dict[str, Any]:
    return _run(runs.cancel_run(principal.team_id, workflow_id, run_id))


app = create_app("workflows", router)
