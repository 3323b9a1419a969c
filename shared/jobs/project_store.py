"""Project storage: domain objects in and out (items in shared.jobs.project_models).

Every write that creates, deletes or changes the status of a project moves the team's
project counts by status (shared.jobs.counters) in the same transaction, so the KPIs and
the projects cannot disagree. Saves and deletes are conditioned on the version the
project was read at: a concurrent change is a Conflict (409).
"""

from __future__ import annotations

from functools import partial

from pynamodb.transactions import TransactWrite

from shared.db.base import storage_errors, team_partition
from shared.db.claims import create_with_claim
from shared.db.query import query_page
from shared.db.transactions import transact
from shared.errors import Conflict, NotFound
from shared.jobs import counters
from shared.jobs.domain import Project, ProjectStatus
from shared.jobs.project_models import (
    ProjectItem,
    ProjectSlugItem,
    project_key,
    project_slug_key,
)
from shared.pagination import PageParams

_CHANGED = "project was changed by another request; reload and retry"
# Stored beside the document, not in it.
_DOCUMENT_EXCLUDE = {"id", "slug", "version"}


def _to_item(team_id: str, project: Project) -> ProjectItem:
    item = ProjectItem(
        team_partition(team_id),
        project_key(project.id),
        team_id=team_id,
        project_id=project.id,
        slug=project.slug,
        document=project.model_dump(mode="json", exclude=_DOCUMENT_EXCLUDE),
        created_at=project.created_at,
        updated_at=project.updated_at,
    )
    if project.version is not None:
        item.version = project.version
    return item


def _to_project(item: ProjectItem) -> Project:
    return Project.model_validate(
        {**item.document, "id": item.project_id, "slug": item.slug, "version": item.version}
    )


def create_project(team_id: str, project: Project) -> Project:
    """Store a new project and claim its slug, both or neither, counting it in its status.
    Only a taken slug is a 409; throttling or an unavailable table is a 503."""
    item = _to_item(team_id, project)
    claim = ProjectSlugItem(
        team_partition(team_id),
        project_slug_key(project.slug),
        team_id=team_id,
        project_id=project.id,
    )
    create_with_claim(
        item,
        claim,
        taken=f"project slug '{project.slug}' is already taken",
        also=partial(counters.add, team_id=team_id, kind="PROJECT", status=project.status, delta=1),
    )
    return project.model_copy(update={"version": item.version})


def find_project(team_id: str, ref: str) -> Project:
    """A project by id, else by slug (a GetItem, then the slug's claim and the project's);
    NotFound when neither names one."""
    partition = team_partition(team_id)
    try:
        with storage_errors("project"):
            return _to_project(ProjectItem.get(partition, project_key(ref)))
    except NotFound:
        with storage_errors("project"):
            claim = ProjectSlugItem.get(partition, project_slug_key(ref))
            return _to_project(ProjectItem.get(partition, project_key(claim.project_id)))


def save_project(team_id: str, project: Project, *, was: ProjectStatus) -> Project:
    """Write `project` on the version it was read at (else Conflict); `was`: the status it
    was read with. A changed status moves the team's counts in the same transaction."""
    item = _to_item(team_id, project)
    if project.status == was:
        with storage_errors("project"):
            item.save()
    else:

        def write(transaction: TransactWrite) -> None:
            transaction.save(item)  # on the version read; the counts by status move with it
            counters.moved(transaction, team_id, "PROJECT", was, project.status)

        if transact(write, what="project"):
            raise Conflict(_CHANGED)
    return project.model_copy(update={"version": item.version})


def delete_project(team_id: str, project: Project) -> None:
    """Delete `project` (on the version it was read at, else Conflict) and free its slug;
    its status' count goes down in the same transaction."""
    partition = team_partition(team_id)

    def write(transaction: TransactWrite) -> None:
        transaction.delete(_to_item(team_id, project))  # on the version read
        # The slug is freed in the same transaction: a stale delete (409) keeps it.
        transaction.delete(
            ProjectSlugItem(partition, project_slug_key(project.slug)), add_version_condition=False
        )
        counters.add(transaction, team_id, "PROJECT", project.status, -1)

    if transact(write, what="project"):
        raise Conflict(_CHANGED)


def list_projects(team_id: str, params: PageParams) -> tuple[list[Project], int, str | None]:
    """One page of the team's projects, newest first: (projects, total, next cursor)."""
    items, total, cursor = query_page(
        ProjectItem,
        team_partition(team_id),
        params,
        range_key_condition=ProjectItem.sk.startswith(project_key()),
    )
    return [_to_project(item) for item in items], total, cursor
