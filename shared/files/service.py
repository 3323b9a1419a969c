"""Files' rules: what may be uploaded and how, what a file belongs to, downloads, deletes.

Two ways in. A presigned POST (any size up to MAX_UPLOAD_BYTES): `presign` stores a
pending upload and answers a form whose S3 policy fixes the key, the exact Content-Type
and the size, so S3 itself refuses anything else; the client POSTs the file to S3, then
`complete` sees the object (HeadObject) and makes the pending upload a file. A direct
upload (up to MAX_DIRECT_UPLOAD_BYTES) goes through the function and is a file at once.
Another team's file, task or job is NotFound.
"""

from __future__ import annotations

import re
from datetime import timedelta

from shared.errors import Conflict, NotFound, PayloadTooLarge, Unprocessable
from shared.files import objects, store
from shared.files.domain import (
    ALLOWED_CONTENT_TYPES,
    DOWNLOAD_URL_SECONDS,
    MAX_DIRECT_UPLOAD_BYTES,
    MAX_INLINE_DOWNLOAD_BYTES,
    MAX_NAME_CHARS,
    MAX_UPLOAD_BYTES,
    NAME_PATTERN,
    PENDING_GRACE_SECONDS,
    UPLOAD_URL_SECONDS,
    Attachment,
    Download,
    PresignedUpload,
    StoredFile,
)
from shared.ids import new_id, utcnow
from shared.pagination import PageParams

_NOT_FOUND = "file not found"


def checked_name(name: str) -> str:
    """A file's name as stored: the last part of a path a browser may send (C:\\x\\a.txt),
    refused (422) if nothing usable is left."""
    base = re.split(r"[/\\]", name)[-1]
    if len(base) > MAX_NAME_CHARS or not re.fullmatch(NAME_PATTERN, base):
        raise Unprocessable(
            f"a file's name is 1 to {MAX_NAME_CHARS} characters with no slash, backslash or "
            "control character, and not only dots or white space"
        )
    return base


def media_type(content_type: str) -> str:
    """The media type of a Content-Type header, lower-cased, without its parameters, if it
    is one a file may have (422 naming the allowed ones otherwise)."""
    found = content_type.split(";", 1)[0].strip().lower()
    if found not in ALLOWED_CONTENT_TYPES:
        raise Unprocessable(
            f"a file's type must be one of {', '.join(ALLOWED_CONTENT_TYPES)}"
            + (f", not {found}" if found else "")
        )
    return found


def _check_attachment(team_id: str, attachment: Attachment) -> None:
    """A file belongs to one of the team's tasks or jobs, or to nothing."""
    if attachment.task_id and attachment.job_id:
        raise Unprocessable("a file belongs to a task or to a job, not both")
    if attachment.task_id:
        from shared.tasks import store as tasks

        if tasks.get_task(team_id, attachment.task_id) is None:
            raise NotFound("task not found")
    if attachment.job_id:
        from shared.jobs import store as jobs

        jobs.get_job(team_id, attachment.job_id)  # NotFound for another team's


def presign(
    team_id: str,
    created_by: str,
    name: str,
    content_type: str,
    size: int,
    attachment: Attachment,
) -> PresignedUpload:
    """A pending upload and the presigned POST that uploads its bytes: S3 takes exactly
    `content_type` and 1 to `size` bytes under the file's key, until the form expires."""
    if size > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(
            f"a file is at most {MAX_UPLOAD_BYTES} bytes ({MAX_UPLOAD_BYTES // 2**20} MiB)"
        )
    name, content_type = checked_name(name), media_type(content_type)
    _check_attachment(team_id, attachment)
    file_id = new_id()
    key = objects.object_key(team_id, file_id)
    url, fields = objects.presign_post(key, content_type, size, UPLOAD_URL_SECONDS)
    now = utcnow()
    pending = StoredFile(
        team_id=team_id,
        id=file_id,
        name=name,
        content_type=content_type,
        size=size,
        status="pending",
        attachment=attachment,
        object_key=key,
        created_by=created_by,
        created_at=now,
        expires_at=now + timedelta(seconds=UPLOAD_URL_SECONDS + PENDING_GRACE_SECONDS),
    )
    store.create_upload(pending)
    return PresignedUpload(pending, url, fields, UPLOAD_URL_SECONDS)


def complete(team_id: str, file_id: str) -> StoredFile:
    """The file a presigned upload made, once its object is in S3 (409 before). Completing
    a file again answers it as it is."""
    file = store.get_file(team_id, file_id)
    if file is not None:
        return file
    pending = store.get_upload(team_id, file_id)
    if pending is None:
        raise NotFound(_NOT_FOUND)
    uploaded = objects.head(pending.object_key)
    if uploaded is None:
        raise Conflict("nothing was uploaded yet: POST the form to the presigned URL first")
    done = store.complete_upload(pending, uploaded.size, utcnow())
    if done is None:  # completed (or deleted) by another request meanwhile
        done = store.get_file(team_id, file_id)
    if done is None:
        raise NotFound(_NOT_FOUND)
    return done


def upload(
    team_id: str,
    created_by: str,
    name: str,
    content_type: str,
    body: bytes,
    attachment: Attachment,
) -> StoredFile:
    """A small file uploaded through the API: stored in S3, then recorded."""
    if len(body) > MAX_DIRECT_UPLOAD_BYTES:
        raise PayloadTooLarge(
            f"a direct upload is at most {MAX_DIRECT_UPLOAD_BYTES} bytes; "
            "use POST /files/presign for a larger file"
        )
    if not body:
        raise Unprocessable("the file is empty")
    name, content_type = checked_name(name), media_type(content_type)
    _check_attachment(team_id, attachment)
    file_id = new_id()
    now = utcnow()
    file = StoredFile(
        team_id=team_id,
        id=file_id,
        name=name,
        content_type=content_type,
        size=len(body),
        status="available",
        attachment=attachment,
        object_key=objects.object_key(team_id, file_id),
        created_by=created_by,
        created_at=now,
        uploaded_at=now,
    )
    objects.put(file.object_key, body, content_type, name)
    store.add_file(file)
    return file


def list_files(
    team_id: str, attachment: Attachment, params: PageParams
) -> tuple[list[StoredFile], int, str | None]:
    if attachment.task_id and attachment.job_id:
        raise Unprocessable("list a task's files or a job's, not both at once")
    return store.list_files(team_id, attachment, params)


def get_file(team_id: str, file_id: str) -> StoredFile:
    """A file, or a presigned upload not completed yet (status pending)."""
    found = store.get_file(team_id, file_id) or store.get_upload(team_id, file_id)
    if found is None:
        raise NotFound(_NOT_FOUND)
    return found


def _available(team_id: str, file_id: str) -> StoredFile:
    file = store.get_file(team_id, file_id)
    if file is not None:
        return file
    if store.get_upload(team_id, file_id) is not None:
        raise Conflict("the file's upload is not complete: POST /files/{id}/complete first")
    raise NotFound(_NOT_FOUND)


def download(team_id: str, file_id: str) -> Download:
    """A file's bytes, or for one over MAX_INLINE_DOWNLOAD_BYTES a presigned URL."""
    file = _available(team_id, file_id)
    if file.size > MAX_INLINE_DOWNLOAD_BYTES:
        return Download(file, url=download_url(team_id, file_id)[0])
    body = objects.read(file.object_key)
    if body is None:  # deleted meanwhile
        raise NotFound(_NOT_FOUND)
    return Download(file, body=body)


def download_url(team_id: str, file_id: str) -> tuple[str, int]:
    """A presigned URL of the file's bytes (no header needed) and its lifetime."""
    file = _available(team_id, file_id)
    url = objects.download_url(file.object_key, file.name, file.content_type, DOWNLOAD_URL_SECONDS)
    return url, DOWNLOAD_URL_SECONDS


def delete(team_id: str, file_id: str) -> None:
    """Delete a file's bytes, then its metadata (a retry after a failure in between finds
    the item and deletes again); a pending upload is forgotten the same way."""
    file = store.get_file(team_id, file_id)
    if file is not None:
        objects.delete(file.object_key)
        store.delete_file(team_id, file_id)
        return
    pending = store.get_upload(team_id, file_id)
    if pending is None:
        raise NotFound(_NOT_FOUND)
    objects.delete(pending.object_key)  # it may have been uploaded, never completed
    store.delete_upload(team_id, file_id)
