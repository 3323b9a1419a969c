"""Projects: initiatives that group generation jobs (fields as seed 001 names them)."""

from __future__ import annotations

import re
from datetime import datetime
from functools import partial

from pydantic import BaseModel, ConfigDict, Field
from pynamodb.transactions import TransactWrite

from functions.jobs.schemas import (
    SLUG_PATTERN,
    ProjectCreate,
    ProjectFields,
    ProjectHealth,
    ProjectStatus,
)
from shared.db.base import storage_errors, team_partition
from shared.db.claims import create_with_claim
from shared.db.query import query_page
from shared.db.transactions import transact
from shared.errors import Conflict, NotFound
from shared.ids import new_id, utcnow
from shared.jobs import counters
from shared.jobs.project_models import (
    ProjectItem,
    ProjectSlugItem,
    project_key,
    project_slug_key,
)
from shared.pagination import PageParams
from shared.pipeline.spec import slugify


class Project(BaseModel):
    """A project as the service hands it on (its own fields: the API shapes are
    schemas.py's). Stored as a document beside its id and slug; the defaults read a
    document stored before a field existed."""

    model_config = ConfigDict(defer_build=True)

    id: str
    slug: str
    name: str
    description: str = ""
    status: ProjectStatus = "discovery"
    health: ProjectHealth = "healthy"
    icon: str = ""
    repository: str = ""
    monthly_spend: float = 0.0
    sla: str = "100%"
    build_progress: int = 0
    features: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


def _to_project(item: ProjectItem) -> Project:
    return Project.model_validate({**item.document, "id": item.project_id, "slug": item.slug})


def create_project(team_id: str, request: ProjectCreate) -> Project:
    now = utcnow()
    project = Project(
        **request.model_dump(exclude={"slug"}),
        id=new_id(),
        slug=request.slug or slugify(request.name),
        created_at=now,
        updated_at=now,
    )
    partition = team_partition(team_id)
    item = ProjectItem(
        partition,
        project_key(project.id),
        team_id=team_id,
        project_id=project.id,
        slug=project.slug,
        document=project.model_dump(mode="json", exclude={"id", "slug"}),
    )
    claim = ProjectSlugItem(
        partition, project_slug_key(project.slug), team_id=team_id, project_id=project.id
    )
    # Only a taken slug is a 409; throttling or an unavailable table is a 503.
    create_with_claim(
        item,
        claim,
        taken=f"project slug '{project.slug}' is already taken",
        also=partial(counters.add, team_id=team_id, kind="PROJECT", status=project.status, delta=1),
    )
    return project


def _item(team_id: str, ref: str) -> ProjectItem:
    partition = team_partition(team_id)
    try:
        with storage_errors("project"):
            return ProjectItem.get(partition, project_key(ref))
    except NotFound:
        with storage_errors("project"):
            claim = ProjectSlugItem.get(partition, project_slug_key(ref))
            return ProjectItem.get(partition, project_key(claim.project_id))


def get_project(team_id: str, ref: str) -> Project:
    """A project by id or slug."""
    return _to_project(_item(team_id, ref))


def update_project(team_id: str, ref: str, fields: ProjectFields) -> Project:
    item = _item(team_id, ref)
    current = _to_project(item)
    updated = Project(
        **fields.model_dump(),
        id=current.id,
        slug=current.slug,
        created_at=current.created_at,
        updated_at=utcnow(),
    )
    item.document = updated.model_dump(mode="json", exclude={"id", "slug"})
    if updated.status == current.status:
        with storage_errors("project"):
            item.save()  # conditional on the version read: a concurrent edit is a 409
        return updated

    def write(transaction: TransactWrite) -> None:
        transaction.save(item)  # on the version read; the counts by status move with it
        counters.moved(transaction, team_id, "PROJECT", current.status, updated.status)

    if transact(write, what="project"):
        raise Conflict("project was changed by another request; reload and retry")
    return updated


def put_project(team_id: str, ref: str, fields: ProjectFields) -> Project:
    """Replace a project's fields; a ref that names no project but is a valid slug creates
    the project under that slug (seed 001's upsert)."""
    try:
        return update_project(team_id, ref, fields)
    except NotFound:
        if not re.fullmatch(SLUG_PATTERN, ref):
            raise
        return create_project(team_id, ProjectCreate(**fields.model_dump(), slug=ref))


def delete_project(team_id: str, ref: str) -> None:
    item = _item(team_id, ref)
    partition = team_partition(team_id)
    status = _to_project(item).status
    with storage_errors("project"):
        ProjectSlugItem(partition, project_slug_key(item.slug)).delete(add_version_condition=False)

    def write(transaction: TransactWrite) -> None:
        transaction.delete(item)  # on the version read
        counters.add(transaction, team_id, "PROJECT", status, -1)

    if transact(write, what="project"):
        raise Conflict("project was changed by another request; reload and retry")


def list_projects(team_id: str, params: PageParams) -> tuple[list[Project], int, str | None]:
    items, total, cursor = query_page(
        ProjectItem,
        team_partition(team_id),
        params,
        range_key_condition=ProjectItem.sk.startswith(project_key()),
    )
    return [_to_project(item) for item in items], total, cursor
