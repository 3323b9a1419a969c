"""Projects: initiatives that group generation jobs (fields as seed 001 names them). The
rules; their storage, and the team's project counts with it, is shared.jobs.project_store."""

from __future__ import annotations

import re

from functions.jobs.schemas import SLUG_PATTERN, ProjectCreate, ProjectFields
from shared.errors import NotFound
from shared.ids import new_id, utcnow
from shared.jobs import project_store
from shared.jobs.domain import Project
from shared.pagination import PageParams
from shared.pipeline.spec import slugify


def create_project(team_id: str, request: ProjectCreate) -> Project:
    """A new project under its slug (the name's, when none is given); a taken slug is a
    409."""
    now = utcnow()
    project = Project(
        **request.model_dump(exclude={"slug"}),
        id=new_id(),
        slug=request.slug or slugify(request.name),
        created_at=now,
        updated_at=now,
    )
    return project_store.create_project(team_id, project)


def get_project(team_id: str, ref: str) -> Project:
    """A project by id or slug."""
    return project_store.find_project(team_id, ref)


def update_project(team_id: str, ref: str, fields: ProjectFields) -> Project:
    """Replace a project's fields, keeping its id, slug and creation time; a concurrent
    edit is a 409."""
    current = project_store.find_project(team_id, ref)
    updated = Project(
        **fields.model_dump(),
        id=current.id,
        slug=current.slug,
        created_at=current.created_at,
        updated_at=utcnow(),
        version=current.version,
    )
    return project_store.save_project(team_id, updated, was=current.status)


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
    """Delete a project (by id or slug); its jobs stay."""
    project_store.delete_project(team_id, project_store.find_project(team_id, ref))


def list_projects(team_id: str, params: PageParams) -> tuple[list[Project], int, str | None]:
    return project_store.list_projects(team_id, params)
