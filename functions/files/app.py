"""The files group's app (seed 003 Files): uploads through an S3 presigned POST (any size
up to the cap; S3's policy fixes the key, the type and the size) or directly (small files),
metadata, lists by task or job, downloads, presigned URLs, deletes. Another team's file,
task or job is 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Form, Query, UploadFile
from fastapi.responses import RedirectResponse, Response

from functions.files.schemas import (
    FileListParams,
    FilePresign,
    FileUrl,
    Id,
    NameText,
    PresignedPost,
    UploadedFilePublic,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.errors import error_responses
from shared.files import service
from shared.files.domain import (
    ALLOWED_CONTENT_TYPES,
    MAX_DIRECT_UPLOAD_BYTES,
    MAX_INLINE_DOWNLOAD_BYTES,
    Attachment,
    StoredFile,
)
from shared.files.objects import content_disposition
from shared.pagination import LIST_RESPONSES, Page, page_answer
from shared.path_ids import IdPath

router = group_router(tags=["files"], responses=error_responses(401, 403, 422))
FileId = IdPath

_FOUND = error_responses(404)
_FOUND[404]["description"] = "No such file in the team"
_PARENT = error_responses(404, 413)
_PARENT[404]["description"] = "The task or job named is not the team's"
_READY = error_responses(404, 409)
_READY[409]["description"] = "A presigned upload not completed yet: nothing to read"
_COMPLETE = error_responses(404, 409)
_COMPLETE[409]["description"] = "Nothing was uploaded to the presigned POST yet"


def _public(file: StoredFile) -> dict[str, Any]:
    return {
        "id": file.id,
        "name": file.name,
        "content_type": file.content_type,
        "size": file.size,
        "status": file.status,
        "task_id": file.attachment.task_id,
        "job_id": file.attachment.job_id,
        "created_by": file.created_by,
        "created_at": file.created_at,
        "uploaded_at": file.uploaded_at,
    }


@router.get(
    "/files",
    response_model=Page[UploadedFilePublic],
    responses=LIST_RESPONSES,
    summary="The team's files newest first, or one task's or one job's",
)
async def list_files(
    principal: CurrentPrincipal, params: Annotated[FileListParams, Query()]
) -> dict[str, Any]:
    attachment = Attachment(task_id=params.task_id, job_id=params.job_id)
    items, total, cursor = service.list_files(principal.team_id, attachment, params)
    return page_answer([_public(item) for item in items], total, params, cursor)


@router.post(
    "/files/presign",
    status_code=201,
    response_model=PresignedPost,
    responses=_PARENT,
    summary="Start an upload: an S3 presigned POST for exactly this type and size; POST "
    "/files/{id}/complete after S3 answered",
)
async def presign(body: FilePresign, principal: CurrentPrincipal) -> dict[str, Any]:
    upload = service.presign(
        principal.team_id,
        principal.subject,
        body.name,
        body.content_type,
        body.size,
        Attachment(task_id=body.task_id, job_id=body.job_id),
    )
    return {
        "file_id": upload.file.id,
        "url": upload.url,
        "fields": upload.fields,
        "expires_in": upload.expires_in,
        "max_size": upload.file.size,
    }


@router.post(
    "/files/upload",
    status_code=201,
    response_model=UploadedFilePublic,
    responses=_PARENT,
    summary=f"Upload a small file (at most {MAX_DIRECT_UPLOAD_BYTES} bytes) as "
    "multipart/form-data: field `file`, its part's Content-Type one of the allowed types",
)
async def upload(
    principal: CurrentPrincipal,
    file: Annotated[
        UploadFile,
        File(description=f"the file; its type one of {', '.join(ALLOWED_CONTENT_TYPES)}"),
    ],
    name: Annotated[NameText | None, Form(description="its name, if not the file's")] = None,
    task_id: Annotated[Id | None, Query(description="a task of the team it belongs to")] = None,
    job_id: Annotated[Id | None, Query(description="or a job of the team (not both)")] = None,
) -> dict[str, Any]:
    body = await file.read(MAX_DIRECT_UPLOAD_BYTES + 1)
    stored = service.upload(
        principal.team_id,
        principal.subject,
        name or file.filename or "",
        file.content_type or "",
        body,
        Attachment(task_id=task_id, job_id=job_id),
    )
    return _public(stored)


@router.get(
    "/files/{file_id:ulid}",
    response_model=UploadedFilePublic,
    responses=_FOUND,
    summary="A file's metadata (or a presigned upload's, pending)",
)
async def get_file(file_id: FileId, principal: CurrentPrincipal) -> dict[str, Any]:
    return _public(service.get_file(principal.team_id, file_id))


@router.post(
    "/files/{file_id:ulid}/complete",
    response_model=UploadedFilePublic,
    responses=_COMPLETE,
    summary="Finish a presigned upload once S3 took the form: the file becomes available",
)
async def complete(file_id: FileId, principal: CurrentPrincipal) -> dict[str, Any]:
    return _public(service.complete(principal.team_id, file_id))


@router.get(
    "/files/{file_id:ulid}/download",
    response_class=Response,
    responses={
        **_READY,
        200: {
            "description": f"The file's bytes (up to {MAX_INLINE_DOWNLOAD_BYTES} bytes), "
            "as an attachment of its type",
            "content": {content_type: {} for content_type in ALLOWED_CONTENT_TYPES},
        },
        307: {
            "description": "A larger file: a redirect to a presigned URL of its bytes",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
    },
    summary="The file's content",
)
async def download(file_id: FileId, principal: CurrentPrincipal) -> Response:
    found = service.download(principal.team_id, file_id)
    if found.url is not None:
        return RedirectResponse(found.url, status_code=307)
    return Response(
        found.body,
        headers={
            "Content-Type": found.file.content_type,
            "Content-Disposition": content_disposition(found.file.name),
        },
    )


@router.get(
    "/files/{file_id:ulid}/url",
    response_model=FileUrl,
    responses=_READY,
    summary="A presigned download URL (an hour)",
)
async def download_url(file_id: FileId, principal: CurrentPrincipal) -> dict[str, Any]:
    url, expires_in = service.download_url(principal.team_id, file_id)
    return {"url": url, "expires_in": expires_in}


@router.delete(
    "/files/{file_id:ulid}",
    status_code=204,
    responses=_FOUND,
    summary="Delete a file: its bytes in S3, then its metadata",
)
async def delete_file(file_id: FileId, principal: CurrentPrincipal) -> None:
    service.delete(principal.team_id, file_id)


app = create_app("files", router)
