"""Projects: initiatives that group generation jobs (fields as seed 001 names them)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.db.base import storage_errors, team_partition
from shared.db.claims import create_with_claim
from shared.db.query import query_page
from shared.errors import NotFound
from shared.ids import new_id, utcnow
from shared.jobs.project_models import (
    ProjectItem,
    ProjectSlugItem,
    project_key,
    project_slug_key,
)
from shared.numbers import JsonFloat, JsonInt
from shared.pagination import PageParams
from shared.pipeline.spec import slugify

ProjectStatus = Literal["discovery", "development", "production", "blocked", "archived"]
ProjectHealth = Literal["healthy", "at_risk", "critical"]
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$"


class ProjectFields(BaseModel):
    """What a caller may set on a project."""

    # Not deferred: FastAPI builds a required body's schema at once anyway, and a deferred
    # one makes it warn about an alias it attaches.
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=4000)
    status: ProjectStatus = "discovery"
    health: ProjectHealth = "healthy"
    icon: str = Field(default="", max_length=16)
    repository: str = Field(default="", max_length=500)
    # JSON numbers only: `false` is not 0 (the schema says number, integer).
    monthly_spend: JsonFloat = Field(default=0.0, ge=0, allow_inf_nan=False)
    sla: str = Field(default="100%", max_length=16)
    build_progress: JsonInt = Field(default=0, ge=0, le=100)
    features: list[str] = Field(default_factory=list, max_length=50)


class ProjectCreate(ProjectFields):
    slug: str | None = Field(default=None, pattern=SLUG_PATTERN)


class Project(ProjectFields):
    id: str
    slug: str
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
    create_with_claim(item, claim, taken=f"project slug '{project.slug}' is already taken")
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
    with storage_errors("project"):
        item.save()  # conditional on the version read: a concurrent edit is a 409
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
    with storage_errors("project"):
        ProjectSlugItem(partition, project_slug_key(item.slug)).delete(add_version_condition=False)
        item.delete()


def list_projects(team_id: str, params: PageParams) -> tuple[list[Project], int, str | None]:
    items, total, cursor = query_page(
        ProjectItem,
        team_partition(team_id),
        params,
        range_key_condition=ProjectItem.sk.startswith(project_key()),
    )
    return [_to_project(item) for item in items], total, cursor
