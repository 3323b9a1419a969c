"""The rules of workflows and their steps, on plain typed arguments.

A step may depend only on the workflow's other steps (by id or name), never on itself
and never in a cycle: refused when the step is added or changed (422 naming the cycle,
`a → b → a`), so a run never meets a graph it cannot order. Every edit is written on
condition of the version it was checked against.
"""

from __future__ import annotations

from dataclasses import replace

from shared.errors import Conflict, NotFound, Unprocessable
from shared.ids import new_id
from shared.pagination import PageParams
from shared.workflows import store
from shared.workflows.domain import MAX_STEPS, Step, Workflow
from shared.workflows.graph import find_cycle
from shared.workflows.requests import StepCreate, StepUpdate, WorkflowCreate


def create_workflow(team_id: str, user_id: str, request: WorkflowCreate) -> Workflow:
    workflow = Workflow(
        team_id=team_id,
        id=new_id(),
        name=request.name,
        description=request.description,
        is_template=request.is_template,
        config=request.config,
        created_by=user_id,
    )
    return store.create_workflow(workflow)


def get_workflow(team_id: str, workflow_id: str) -> Workflow:
    workflow = store.get_workflow(team_id, workflow_id)
    if workflow is None:
        raise NotFound(f"workflow {workflow_id} not found")
    return workflow


def list_workflows(team_id: str, params: PageParams) -> tuple[list[Workflow], int, str | None]:
    return store.list_workflows(team_id, params)


def delete_workflow(team_id: str, workflow_id: str) -> None:
    if not store.delete_workflow(team_id, workflow_id):
        raise NotFound(f"workflow {workflow_id} not found")


def copy_workflow(team_id: str, user_id: str, workflow_id: str) -> Workflow:
    """A new workflow with the template's steps (new ids, the same dependencies); only a
    template (`is_template`) is copied."""
    source = get_workflow(team_id, workflow_id)
    if not source.is_template:
        raise Conflict("only a template (is_template) can be copied")
    ids = {step.id: new_id() for step in source.steps}
    steps = tuple(
        replace(step, id=ids[step.id], depends_on=tuple(ids[need] for need in step.depends_on))
        for step in source.steps
    )
    copy = Workflow(
        team_id=team_id,
        id=new_id(),
        name=f"{source.name} (copy)"[:200],
        description=source.description,
        is_template=False,
        config=source.config,
        steps=steps,
        created_by=user_id,
    )
    return store.create_workflow(copy)


def _resolve(workflow: Workflow, refs: list[str], own: Step) -> tuple[str, ...]:
    """Step ids for `refs` (ids or names); 422 for one the workflow does not have."""
    by_name = {step.name: step.id for step in workflow.steps if step.id != own.id}
    by_name[own.name] = own.id
    ids = {step.id for step in workflow.steps} | {own.id}
    resolved: list[str] = []
    for ref in refs:
        step_id = ref if ref in ids else by_name.get(ref)
        if step_id is None:
            raise Unprocessable(f"depends_on names {ref!r}, which is not a step of this workflow")
        resolved.append(step_id)
    return tuple(dict.fromkeys(resolved))


def _check_graph(workflow: Workflow) -> None:
    names = {step.id: step.name for step in workflow.steps}
    cycle = find_cycle({step.id: step.depends_on for step in workflow.steps})
    if cycle is not None:
        path = " → ".join(names[step_id] for step_id in cycle)
        if len(cycle) == 2:
            raise Unprocessable(f"a step cannot depend on itself: {path}")
        raise Unprocessable(f"the dependencies form a cycle: {path}")


def _unique_name(workflow: Workflow, name: str, step_id: str) -> None:
    if any(step.name == name and step.id != step_id for step in workflow.steps):
        raise Conflict(f"the workflow already has a step named {name!r}")


def add_step(team_id: str, workflow_id: str, request: StepCreate) -> Step:
    workflow = get_workflow(team_id, workflow_id)
    if len(workflow.steps) >= MAX_STEPS:
        raise Unprocessable(f"a workflow has at most {MAX_STEPS} steps")
    _unique_name(workflow, request.name, "")
    if request.agent_id is not None:
        from shared.agents import store as agents

        if agents.get_live_agent(team_id, request.agent_id) is None:
            raise NotFound(f"agent {request.agent_id} not found")
    step = Step(
        id=new_id(),
        name=request.name,
        step_type=request.step_type,
        order=request.order,
        config=request.config,
        agent_id=request.agent_id,
        depends_on=(),
    )
    step = replace(step, depends_on=_resolve(workflow, request.depends_on, step))
    changed = replace(workflow, steps=(*workflow.steps, step))
    _check_graph(changed)
    store.save_workflow(changed)
    return step


def update_step(team_id: str, workflow_id: str, step_id: str, request: StepUpdate) -> Step:
    workflow = get_workflow(team_id, workflow_id)
    step = workflow.step(step_id)
    if step is None:
        raise NotFound(f"step {step_id} not found")
    changes = request.model_dump(exclude_unset=True)
    if "name" in changes:
        _unique_name(workflow, changes["name"], step_id)
    if "depends_on" in changes:
        changes["depends_on"] = _resolve(workflow, changes["depends_on"], step)
    updated = replace(step, **changes)
    changed = replace(
        workflow, steps=tuple(updated if s.id == step_id else s for s in workflow.steps)
    )
    _check_graph(changed)
    store.save_workflow(changed)
    return updated


def delete_step(team_id: str, workflow_id: str, step_id: str) -> None:
    workflow = get_workflow(team_id, workflow_id)
    if workflow.step(step_id) is None:
        raise NotFound(f"step {step_id} not found")
    waiting = [step.name for step in workflow.steps if step_id in step.depends_on]
    if waiting:
        raise Conflict(f"steps depend on this one: {', '.join(waiting)}")
    store.save_workflow(
        replace(workflow, steps=tuple(s for s in workflow.steps if s.id != step_id))
    )
