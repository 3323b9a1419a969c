"""Workflows' storage (keys in shared.workflows.models): the only module of the area that
touches the table; domain objects out."""

from __future__ import annotations

from typing import Any

from shared.db.base import get_or_none, insert, storage_errors, team_partition
from shared.db.query import query_page
from shared.ids import looks_like_id
from shared.pagination import PageParams
from shared.workflows.domain import Step, Workflow
from shared.workflows.models import WORKFLOW_PREFIX, WorkflowItem, workflow_key


def _step_to_json(step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "name": step.name,
        "step_type": step.step_type,
        "order": step.order,
        "config": step.config,
        "agent_id": step.agent_id,
        "depends_on": list(step.depends_on),
    }


def _step(raw: dict[str, Any]) -> Step:
    return Step(
        id=raw["id"],
        name=raw["name"],
        step_type=raw["step_type"],
        order=int(raw["order"]),
        config=dict(raw.get("config") or {}),
        agent_id=raw.get("agent_id"),
        depends_on=tuple(raw.get("depends_on") or ()),
    )


def _to_workflow(item: WorkflowItem) -> Workflow:
    return Workflow(
        team_id=item.team_id,
        id=item.workflow_id,
        name=item.name,
        description=item.description or "",
        is_template=bool(item.is_template),
        config=dict(item.config or {}),
        steps=tuple(_step(raw) for raw in item.steps or ()),
        created_by=item.created_by,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=item.version,
    )


def _item(workflow: Workflow) -> WorkflowItem:
    item = WorkflowItem(
        team_partition(workflow.team_id),
        workflow_key(workflow.id),
        team_id=workflow.team_id,
        workflow_id=workflow.id,
        name=workflow.name,
        description=workflow.description,
        is_template=workflow.is_template,
        config=workflow.config,
        steps=[_step_to_json(step) for step in workflow.steps],
        created_by=workflow.created_by,
    )
    if workflow.created_at is not None:
        item.created_at = workflow.created_at
    if workflow.version is not None:
        item.version = workflow.version
    return item


def create_workflow(workflow: Workflow) -> Workflow:
    return _to_workflow(insert(_item(workflow), "workflow"))


def get_workflow(team_id: str, workflow_id: str) -> Workflow | None:
    if not looks_like_id(workflow_id):
        return None
    item = get_or_none(WorkflowItem, team_partition(team_id), workflow_key(workflow_id))
    return None if item is None else _to_workflow(item)


def save_workflow(workflow: Workflow) -> Workflow:
    """Write `workflow` on condition that it is still at the version it was read at
    (Conflict otherwise: another edit landed in between)."""
    item = _item(workflow)
    with storage_errors("workflow"):
        item.save()
    return _to_workflow(item)


def list_workflows(team_id: str, params: PageParams) -> tuple[list[Workflow], int, str | None]:
    items, total, cursor = query_page(
        WorkflowItem,
        team_partition(team_id),
        params,
        range_key_condition=WorkflowItem.sk.startswith(WORKFLOW_PREFIX),
    )
    return [_to_workflow(item) for item in items], total, cursor


def delete_workflow(team_id: str, workflow_id: str) -> bool:
    item = get_or_none(WorkflowItem, team_partition(team_id), workflow_key(workflow_id))
    if item is None:
        return False
    with storage_errors("workflow"):
        item.delete()
    return True
