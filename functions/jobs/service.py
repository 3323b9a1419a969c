"""Generation jobs: the rules. Plain arguments in, domain objects out; no HTTP here.
Starting a job is shared.jobs.start's, which triggers call too."""

from __future__ import annotations

from functions.jobs import projects
from functions.jobs.projects import Project
from functions.jobs.schemas import JobCreate, JobEstimate
from shared import artifacts
from shared.aws import client
from shared.errors import Conflict
from shared.ids import new_id
from shared.jobs import lifecycle, store
from shared.jobs import start as starting
from shared.jobs.domain import ACTIVE_STATUSES, Job, JobEvent
from shared.pagination import PageParams
from shared.pipeline.definition import (
    PHASE_NAMES,
)
from shared.pipeline.spec import slugify


def create_job(team_id: str, user_id: str | None, request: JobCreate) -> Job:
    """Store a queued job and start its execution (named by the job id)."""
    return starting.create_job(team_id, user_id, request)


def cancel_job(team_id: str, id_or_slug: str) -> Job:
    """Ask the job to stop at its next phase boundary; a job waiting for a person stops now."""
    job = store.find_job(team_id, id_or_slug)
    if job.status not in ACTIVE_STATUSES:
        raise Conflict(
            f"job is {job.status}; only a queued, running or waiting job can be cancelled"
        )

    def request_cancel(current: Job) -> None:
        if current.status not in ACTIVE_STATUSES:
            raise Conflict(f"job is {current.status}; it can no longer be cancelled")
        current.cancel_requested = True

    job = store.update_job(team_id, job.id, request_cancel)
    store.add_event(team_id, job.id, "job.cancel_requested", phase=job.current_phase)
    if job.status == "waiting_approval" and job.execution_arn:
        # No phase boundary is coming while the execution waits at a gate: stop it here.
        client("stepfunctions").stop_execution(
            executionArn=job.execution_arn, error="JobCancelled", cause="cancelled by a user"
        )
        job = lifecycle.mark_cancelled(team_id, job.id)
    return job


def retry_job(team_id: str, id_or_slug: str, from_phase: str | None) -> Job:
    """Run a failed or cancelled job again from `from_phase` (default: where it stopped),
    keeping what earlier phases stored."""
    job = store.find_job(team_id, id_or_slug)
    if job.status in ACTIVE_STATUSES or (job.status == "passed" and from_phase is None):
        raise Conflict(
            f"job is {job.status}; retry a failed or cancelled job, or name "
            "from_phase to run a finished one again"
        )
    start = from_phase or next(
        (record.phase for record in job.phases if record.status in ("failed", "cancelled")),
        PHASE_NAMES[0],
    )
    first = PHASE_NAMES.index(start)

    def reset(current: Job) -> None:
        if current.status in ACTIVE_STATUSES:
            raise Conflict("job is running again already")
        current.status, current.error, current.cancel_requested = "queued", None, False
        current.finished_at, current.current_phase = None, None
        if first <= PHASE_NAMES.index("repair"):
            current.repair_attempts = 0
        for record in current.phases[first:]:
            record.status, record.error = "pending", None
            record.started_at = record.finished_at = None

    job = store.update_job(team_id, job.id, reset)
    store.add_event(team_id, job.id, "job.retried", phase=start)
    return starting.start_execution(job, start, f"{job.id}-{new_id()[-10:]}")


def list_jobs(
    team_id: str, params: PageParams, *, project_id: str | None = None
) -> tuple[list[Job], int, str | None]:
    """The team's jobs (of one project when `project_id` is given), newest first."""
    return store.list_jobs(team_id, params, project_id=project_id)


def get_job(team_id: str, id_or_slug: str) -> Job:
    return store.find_job(team_id, id_or_slug)


def get_project_with_jobs(
    team_id: str, project_ref: str, *, newest: int = 20
) -> tuple[Project, list[Job], int]:
    """A project (by id or slug), its `newest` jobs and how many it has in all."""
    project = projects.get_project(team_id, project_ref)
    jobs, total, _ = store.list_jobs(team_id, PageParams(limit=newest), project_id=project.id)
    return project, jobs, total


def list_events(
    team_id: str, id_or_slug: str, params: PageParams
) -> tuple[list[JobEvent], int, str | None]:
    """The job's event log, oldest first; 404 for a job the team does not have."""
    job = store.find_job(team_id, id_or_slug)
    return store.list_events(job.team_id, job.id, params)


def code_tree(team_id: str, id_or_slug: str) -> list[artifacts.TreeEntry]:
    job = store.find_job(team_id, id_or_slug)
    return artifacts.list_tree(job.team_id, job.id)


def code_file(team_id: str, id_or_slug: str, path: str) -> tuple[str, str]:
    """One generated file: its normalised path and its text. The path is checked before
    the job is read, so a bad path is refused (400) whether or not the job exists."""
    checked = artifacts.checked_path(path)
    job = store.find_job(team_id, id_or_slug)
    return checked, artifacts.read_file(job.team_id, job.id, checked)


def export_zip(team_id: str, id_or_slug: str) -> tuple[Job, bytes]:
    """The job and its exported ZIP; 404 before the export exists."""
    job = store.find_job(team_id, id_or_slug)
    return job, artifacts.load_export(job.team_id, job.id, job.slug)


def download_url(team_id: str, id_or_slug: str) -> str:
    """A presigned S3 link to the job's ZIP, needing no header (locally the emulated S3
    serves it over HTTP: tools/local/emulator.s3_over_http)."""
    job = store.find_job(team_id, id_or_slug)
    return artifacts.export_url(job.team_id, job.id, job.slug)


def delete_job(team_id: str, id_or_slug: str, *, purge: bool) -> None:
    job = store.find_job(team_id, id_or_slug)
    if job.status in ACTIVE_STATUSES:
        raise Conflict("cancel the job before deleting it")
    if purge:
        artifacts.delete_artifacts(team_id, job.id)
    store.delete_job(team_id, job.id)


def estimate_job(team_id: str, request: JobCreate) -> JobEstimate:
    """Expected tokens, cost and time per phase for a job like `request`, at the models
    the team's phase agents use."""
    from functions.jobs.estimates import estimate  # only this route reads agents

    return estimate(team_id, starting.job_spec(request, request.slug or slugify(request.name)))
