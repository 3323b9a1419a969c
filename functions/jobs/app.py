"""Jobs routes: HTTP shapes and auth only; the rules are in service.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Query, Response
from fastapi.responses import JSONResponse

from functions.jobs import projects as project_service
from functions.jobs import service
from functions.jobs.publish import router as publish_router
from functions.jobs.schemas import (
    CancelAnswer,
    DownloadLink,
    FailurePublic,
    FilePublic,
    JobCreate,
    JobEstimate,
    JobEventPublic,
    JobPublic,
    JobRetry,
    PhasePublic,
    ProjectCreate,
    ProjectDetail,
    ProjectFields,
    ProjectPublic,
    TreeEntryPublic,
)
from shared import artifacts
from shared.app_factory import API_V1, create_app, group_router
from shared.auth.dependencies import AgentOrUser, CurrentPrincipal
from shared.errors import error_responses
from shared.idempotency import run_once
from shared.jobs.domain import Job, JobEvent, PhaseRecord
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer

router = group_router(tags=["jobs"], responses=error_responses(401, 422))
JobRef = Annotated[str, "a job's id or slug"]
_FOUND = error_responses(404)


def job_public(job: Job) -> dict[str, Any]:
    spec = job.spec
    base = f"{API_V1}/jobs/{job.id}"
    return JobPublic(
        id=job.id,
        slug=job.slug,
        name=spec.name,
        description=spec.description,
        platform=",".join(spec.platforms),
        target=spec.target,
        style=spec.style,
        backend=spec.backend,
        features=list(spec.features),
        status=job.status,
        current_phase=job.current_phase,
        cancel_requested=job.cancel_requested,
        approval_gates=job.approval_gates,
        max_repair_attempts=job.max_repair_attempts,
        repair_attempts=job.repair_attempts,
        project_id=job.project_id,
        error=job.error,
        failure=FailurePublic(**job.failure.model_dump()) if job.failure else None,
        tokens_in=job.tokens_in,
        tokens_out=job.tokens_out,
        cost_usd=job.cost_usd,
        created_at=job.created_at,
        updated_at=job.updated_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        links={
            "self": base,
            "phases": f"{base}/phases",
            "events": f"{base}/events",
            "download": f"{base}/download",
            "tree": f"{base}/code/tree",
        },
    ).model_dump(mode="json")


def _phase_public(record: PhaseRecord) -> PhasePublic:
    duration = None
    if record.started_at and record.finished_at:
        duration = round((record.finished_at - record.started_at).total_seconds(), 3)
    return PhasePublic(**record.model_dump(), duration_seconds=duration)


def _event_public(event: JobEvent) -> JobEventPublic:
    return JobEventPublic(**event.model_dump(exclude={"job_id"}))


@router.post(
    "/jobs",
    status_code=202,
    response_model=JobPublic,
    summary="Start a generation job",
    # 404: a project_id the team does not have.
    responses=error_responses(404, 409, 413, 503),
)
async def create_job(
    body: JobCreate,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JSONResponse:
    def create() -> dict[str, Any]:
        return job_public(service.create_job(principal.team_id, principal.subject, body))

    answer = run_once(
        "jobs.create", principal.team_id, idempotency_key, body.model_dump(mode="json"), create
    )
    return JSONResponse(answer, status_code=202, headers={"Location": answer["links"]["self"]})


@router.post(
    "/jobs/estimate",
    response_model=JobEstimate,
    summary="Expected tokens, cost and time per phase for a job",
)
async def estimate_job(body: JobCreate, principal: CurrentPrincipal) -> JobEstimate:
    return service.estimate_job(principal.team_id, body)


@router.get(
    "/jobs",
    response_model=Page[JobPublic],
    responses=LIST_RESPONSES,
    summary="The team's jobs, newest first",
)
async def list_jobs(principal: AgentOrUser, page: Pagination) -> dict[str, Any]:
    jobs, total, cursor = service.list_jobs(principal.team_id, page)
    return page_answer([job_public(job) for job in jobs], total, page, cursor)


@router.get(
    "/jobs/{job_ref}", response_model=JobPublic, responses=_FOUND, summary="A job, by id or slug"
)
async def get_job(job_ref: JobRef, principal: AgentOrUser) -> dict[str, Any]:
    return job_public(service.get_job(principal.team_id, job_ref))


@router.delete(
    "/jobs/{job_ref}",
    status_code=204,
    responses=error_responses(404, 409),
    summary="Delete a finished job (purge=true also removes its artifacts)",
)
async def delete_job(
    job_ref: JobRef, principal: CurrentPrincipal, purge: Annotated[bool, Query()] = False
) -> Response:
    service.delete_job(principal.team_id, job_ref, purge=purge)
    return Response(status_code=204)


@router.get(
    "/jobs/{job_ref}/phases",
    response_model=list[PhasePublic],
    responses=_FOUND,
    summary="Every phase with its status, timings, tokens and cost",
)
async def list_phases(job_ref: JobRef, principal: AgentOrUser) -> list[PhasePublic]:
    job = service.get_job(principal.team_id, job_ref)
    return [_phase_public(record) for record in job.phases]


@router.post(
    "/jobs/{job_ref}/cancel",
    status_code=202,
    response_model=CancelAnswer,
    responses=error_responses(404, 409),
    summary="Stop at the next phase boundary",
)
async def cancel_job(job_ref: JobRef, principal: CurrentPrincipal) -> CancelAnswer:
    job = service.cancel_job(principal.team_id, job_ref)
    status = "cancelled" if job.status == "cancelled" else "cancel_requested"
    return CancelAnswer(id=job.id, slug=job.slug, status=status, cancel_requested=True)


@router.post(
    "/jobs/{job_ref}/retry",
    status_code=202,
    response_model=JobPublic,
    responses=error_responses(404, 409, 503),
    summary="Run again from the failed phase, or from `from_phase`",
)
async def retry_job(
    job_ref: JobRef, principal: CurrentPrincipal, body: JobRetry | None = None
) -> dict[str, Any]:
    from_phase = body.from_phase if body else None
    return job_public(service.retry_job(principal.team_id, job_ref, from_phase))


@router.get(
    "/jobs/{job_ref}/download",
    response_model=DownloadLink,
    responses=_FOUND,
    summary="A short-lived link to the exported ZIP",
)
async def download(job_ref: JobRef, principal: CurrentPrincipal) -> DownloadLink:
    url = service.download_url(principal.team_id, job_ref)
    return DownloadLink(url=url, expires_in=artifacts.DOWNLOAD_URL_SECONDS)


@router.get(
    "/jobs/{job_ref}/download/zip",
    responses={
        **_FOUND,
        200: {"content": {"application/zip": {}}, "description": "the exported ZIP"},
    },
    response_class=Response,
    summary="The exported ZIP itself",
)
async def download_zip(job_ref: JobRef, principal: CurrentPrincipal) -> Response:
    job, archive = service.export_zip(principal.team_id, job_ref)
    return Response(
        archive,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{job.slug}.zip"'},
    )


@router.get(
    "/jobs/{job_ref}/code/tree",
    response_model=list[TreeEntryPublic],
    responses=_FOUND,
    summary="Files and folders of the generated code base",
)
async def code_tree(job_ref: JobRef, principal: AgentOrUser) -> list[dict[str, Any]]:
    return [
        {"path": entry.path, "name": entry.name, "isDir": entry.is_dir, "size": entry.size}
        for entry in service.code_tree(principal.team_id, job_ref)
    ]


@router.get(
    "/jobs/{job_ref}/code/file",
    response_model=FilePublic,
    responses=error_responses(400, 404, 413),
    summary="One generated file (500 KB at most)",
)
async def code_file(
    job_ref: JobRef,
    principal: AgentOrUser,
    path: Annotated[str, Query(min_length=1, max_length=240)],
) -> FilePublic:
    checked, content = service.code_file(principal.team_id, job_ref, path)
    return FilePublic(path=checked, content=content)


@router.get(
    "/jobs/{job_ref}/events",
    response_model=Page[JobEventPublic],
    responses={**_FOUND, **LIST_RESPONSES},
    summary="The job's event log, oldest first",
)
async def list_events(job_ref: JobRef, principal: AgentOrUser, page: Pagination) -> dict[str, Any]:
    events, total, cursor = service.list_events(principal.team_id, job_ref, page)
    return page_answer(
        [_event_public(event).model_dump(mode="json") for event in events], total, page, cursor
    )


# Projects group jobs; served by the same function (one table, one set of grants).
projects = group_router(tags=["projects"], responses=error_responses(401, 422))


@projects.get(
    "/projects",
    response_model=Page[ProjectPublic],
    responses=LIST_RESPONSES,
    summary="The team's projects",
)
async def list_projects(principal: CurrentPrincipal, page: Pagination) -> dict[str, Any]:
    found, total, cursor = project_service.list_projects(principal.team_id, page)
    return page_answer([p.model_dump(mode="json") for p in found], total, page, cursor)


@projects.post(
    "/projects",
    status_code=201,
    response_model=ProjectPublic,
    responses=error_responses(409),
    summary="Create a project",
)
async def create_project(
    body: ProjectCreate, principal: CurrentPrincipal
) -> project_service.Project:
    return project_service.create_project(principal.team_id, body)


@projects.get(
    "/projects/{project_ref}",
    response_model=ProjectDetail,
    responses=_FOUND,
    summary="A project (by id or slug) with its newest jobs",
)
async def get_project(project_ref: str, principal: CurrentPrincipal) -> dict[str, Any]:
    project, jobs, total = service.get_project_with_jobs(principal.team_id, project_ref)
    return {
        **project.model_dump(mode="json"),
        "jobs": [job_public(job) for job in jobs],
        "jobs_total": total,
    }


@projects.put(
    "/projects/{project_ref}",
    response_model=ProjectPublic,
    responses=error_responses(404, 409),
    summary="Replace a project's fields (creates it when the slug is new)",
)
async def put_project(
    project_ref: str, body: ProjectFields, principal: CurrentPrincipal
) -> project_service.Project:
    return project_service.put_project(principal.team_id, project_ref, body)


@projects.delete(
    "/projects/{project_ref}",
    status_code=204,
    responses=_FOUND,
    summary="Delete a project (its jobs stay)",
)
async def delete_project(project_ref: str, principal: CurrentPrincipal) -> Response:
    project_service.delete_project(principal.team_id, project_ref)
    return Response(status_code=204)


app = create_app("jobs", router, projects, publish_router)
