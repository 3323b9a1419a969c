"""Starting a generation job: what `POST /jobs` does, callable from any function (the jobs
group's routes, a trigger's start_job action) without the group's route code.

The job is stored queued (its slug claimed in the same transaction), `job.created` is
recorded and published, and the generation execution is started under the job's id, so a
repeated start of the same job is harmless.
"""

from __future__ import annotations

import json

from shared.aws import client
from shared.errors import Conflict, NotFound, ServiceUnavailable
from shared.ids import new_id, utcnow
from shared.jobs import lifecycle, project_store, store
from shared.jobs.domain import Job
from shared.jobs.requests import JobCreate
from shared.observability import logger
from shared.pipeline.definition import PHASE_NAMES
from shared.pipeline.spec import JobSpec, slugify
from shared.settings import get_settings
from shared.team_settings import get_team_settings

# An automatic slug that is taken is tried again with the job id's tail this many times.
SLUG_ATTEMPTS = 5


def job_spec(request: JobCreate, slug: str) -> JobSpec:
    return JobSpec(
        name=request.name,
        description=request.description,
        platforms=tuple(request.platform),
        style=request.style,
        backend=request.backend,
        features=tuple(request.features),
        slug=slug,
    )


def start_execution(job: Job, start_from: str, name: str) -> Job:
    """Start the job's execution; a name already used means it was started already."""
    sfn = client("stepfunctions")
    payload = {"team_id": job.team_id, "job_id": job.id, "start_from": start_from}
    try:
        started = sfn.start_execution(
            stateMachineArn=get_settings().generation_state_machine_arn,
            name=name,
            input=json.dumps(payload),
        )
    except sfn.exceptions.ExecutionAlreadyExists:
        return job
    except Exception as exc:
        logger.exception("could not start the generation execution")
        store.update_job(job.team_id, job.id, _failed_to_start)
        raise ServiceUnavailable("the pipeline could not be started; retry shortly") from exc
    return store.update_job(
        job.team_id,
        job.id,
        lambda current: setattr(current, "execution_arn", started["executionArn"]),
    )


def _failed_to_start(job: Job) -> None:
    job.status, job.error, job.finished_at = "failed", "the pipeline could not be started", utcnow()


def create_job(team_id: str, user_id: str | None, request: JobCreate) -> Job:
    """Store a queued job and start its execution (named by the job id)."""
    if request.project_id is not None:
        try:
            project = project_store.find_project(team_id, request.project_id)
        except NotFound as exc:
            raise NotFound(f"no project {request.project_id} in this team") from exc
        request = request.model_copy(update={"project_id": project.id})
    gates, repairs = request.approval_gates, request.max_repair_attempts
    if gates is None or repairs is None:  # the team's settings fill in what is left out
        team = get_team_settings(team_id)
        gates = team.approval_gates if gates is None else gates
        repairs = team.max_repair_attempts if repairs is None else repairs
    explicit = request.slug is not None
    slug = request.slug or slugify(request.name)
    now = utcnow()
    for attempt in range(SLUG_ATTEMPTS):
        job = Job(
            id=new_id(),
            team_id=team_id,
            slug=slug,
            spec=job_spec(request, slug),
            approval_gates=gates,
            project_id=request.project_id,
            max_repair_attempts=repairs,
            created_by=user_id,
            created_at=now,
            updated_at=now,
        )
        try:
            job = store.create_job(job)
            break
        except Conflict:
            if explicit or attempt == SLUG_ATTEMPTS - 1:
                raise
            # An automatic slug that is taken gets the job id's tail: still readable.
            slug = f"{slugify(request.name, max_length=40)}-{job.id[-6:].lower()}"
    lifecycle.record(job, "job.created")
    return start_execution(job, PHASE_NAMES[0], job.id)
