"""Job storage: domain objects in, domain objects out. Only Queries and Gets."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from pynamodb.transactions import TransactWrite

from shared.db.base import storage_errors, team_partition
from shared.db.claims import create_with_claim
from shared.db.query import query_page
from shared.db.transactions import transact
from shared.db.versioned import lost_race, update_versioned
from shared.errors import Conflict, NotFound
from shared.ids import new_id, utcnow
from shared.jobs import counters
from shared.jobs.domain import ACTIVE_STATUSES, Job, JobEvent
from shared.jobs.models import (
    ACTIVE_JOBS,
    JobEventItem,
    JobItem,
    SlugClaimItem,
    event_key,
    job_key,
    slug_key,
)
from shared.pagination import PageParams

_DOCUMENT_EXCLUDE = {"id", "team_id", "version"}


def _to_item(job: Job) -> JobItem:
    item = JobItem(
        team_partition(job.team_id),
        job_key(job.id),
        team_id=job.team_id,
        job_id=job.id,
        slug=job.slug,
        status=job.status,
        project_id=job.project_id,
        document=job.model_dump(mode="json", exclude=_DOCUMENT_EXCLUDE),
        created_at=job.created_at,
        updated_at=job.updated_at,
    )
    if job.version is not None:
        item.version = job.version
    if job.status in ACTIVE_STATUSES:
        item.gsi1pk, item.gsi1sk = ACTIVE_JOBS, f"{job.updated_at.isoformat()}#{job.id}"
    return item


def _to_job(item: JobItem) -> Job:
    return Job.model_validate(
        {**item.document, "id": item.job_id, "team_id": item.team_id, "version": item.version}
    )


def create_job(job: Job) -> Job:
    """Store a new job and claim its slug, both or neither (a taken slug is a 409)."""
    item = _to_item(job)
    claim = SlugClaimItem(
        team_partition(job.team_id), slug_key(job.slug), team_id=job.team_id, job_id=job.id
    )
    create_with_claim(
        item,
        claim,
        taken=f"slug '{job.slug}' is already taken",
        also=partial(counters.add, team_id=job.team_id, kind="JOB", status=job.status, delta=1),
    )
    return _to_job(item)


def get_job(team_id: str, job_id: str) -> Job:
    with storage_errors("job"):
        return _to_job(JobItem.get(team_partition(team_id), job_key(job_id)))


def find_job(team_id: str, id_or_slug: str) -> Job:
    """A job by id or by slug (`/jobs/{slug}` works as `/jobs/{id}` does)."""
    try:
        return get_job(team_id, id_or_slug)
    except NotFound:
        pass
    with storage_errors("job"):
        claim = SlugClaimItem.get(team_partition(team_id), slug_key(id_or_slug))
    return get_job(team_id, claim.job_id)


def list_jobs(
    team_id: str, params: PageParams, *, project_id: str | None = None
) -> tuple[list[Job], int, str | None]:
    items, total, cursor = query_page(
        JobItem,
        team_partition(team_id),
        params,
        range_key_condition=JobItem.sk.startswith("JOB#"),
        filter_condition=(JobItem.project_id == project_id) if project_id else None,
    )
    return [_to_job(item) for item in items], total, cursor


def save_job(job: Job, *, was: str | None = None) -> Job:
    """Write `job` if nobody changed it since it was read (else Conflict). `was`: the
    status it was read with, when it has changed since; the team's counts by status move
    in the same transaction."""
    job.updated_at = utcnow()
    item = _to_item(job)
    if was is None or was == job.status:
        with storage_errors("job"):
            item.save()
    else:

        def write(transaction: TransactWrite) -> None:
            transaction.save(item)  # on the version read
            counters.moved(transaction, job.team_id, "JOB", was, job.status)

        if transact(write, what="job"):
            raise Conflict("job was changed by another request; reload and retry")
    return job.model_copy(update={"version": item.version})


def update_job(team_id: str, job_id: str, change: Callable[[Job], None]) -> Job:
    """Read, change and write a job, again on a lost race; `change` must be repeatable."""

    def apply(job: Job) -> Job:
        was = job.status
        change(job)  # a rule it enforces is not retried; only the write's lost race is
        with lost_race():
            return save_job(job, was=was)

    return update_versioned(partial(get_job, team_id, job_id), apply, what="job")


def delete_job(team_id: str, job_id: str) -> None:
    job = get_job(team_id, job_id)
    partition = team_partition(team_id)
    with storage_errors("job"):
        for event in JobEventItem.query(partition, JobEventItem.sk.startswith(event_key(job_id))):
            event.delete(add_version_condition=False)
        SlugClaimItem(partition, slug_key(job.slug)).delete(add_version_condition=False)

    def write(transaction: TransactWrite) -> None:
        # On the version read: the status counted down is the one deleted.
        transaction.delete(_to_item(job))
        counters.add(transaction, team_id, "JOB", job.status, -1)

    if transact(write, what="job"):
        raise Conflict("job was changed by another request; reload and retry")


def add_event(
    team_id: str,
    job_id: str,
    type_: str,
    *,
    phase: str | None = None,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> JobEvent:
    event_id = new_id()
    item = JobEventItem(
        team_partition(team_id),
        event_key(job_id, event_id),
        team_id=team_id,
        job_id=job_id,
        type=type_,
        phase=phase,
        message=message,
        data=data or {},
        at=utcnow(),
    )
    with storage_errors("job event"):
        item.save()
    return _to_event(item)


def _to_event(item: JobEventItem) -> JobEvent:
    return JobEvent(
        id=item.sk.rsplit("#", 1)[1],
        job_id=item.job_id,
        type=item.type,
        phase=item.phase,
        message=item.message,
        data=item.data,
        at=item.at,
    )


def list_events(
    team_id: str,
    job_id: str,
    params: PageParams,
) -> tuple[list[JobEvent], int, str | None]:
    items, total, cursor = query_page(
        JobEventItem,
        team_partition(team_id),
        params,
        range_key_condition=JobEventItem.sk.startswith(event_key(job_id)),
        newest_first=False,
    )
    return [_to_event(item) for item in items], total, cursor


def list_active_jobs(limit: int = 500) -> list[Job]:
    """Jobs that are queued, running or waiting, across teams (for the reconciler)."""
    with storage_errors("job"):
        return [_to_job(item) for item in JobItem.active.query(ACTIVE_JOBS, limit=limit)]


def job_slugs(team_id: str, job_ids: Iterable[str]) -> dict[str, str]:
    """Slug by job id for the team's jobs among `job_ids` (a deleted job is absent): one
    BatchGetItem per 100 ids, projected to the two attributes used (a job item holds its
    whole document)."""
    partition = team_partition(team_id)
    keys = [(partition, job_key(job_id)) for job_id in sorted(set(job_ids))]
    with storage_errors("job"):
        # PynamoDB pages the keys by 100 and retries unprocessed ones.
        items = JobItem.batch_get(keys, attributes_to_get=["job_id", "slug"])
        return {item.job_id: item.slug for item in items}
