"""Request and response shapes of /files (seed 003 Files)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.files.domain import (
    MAX_NAME_CHARS,
    MAX_UPLOAD_BYTES,
    NAME_PATTERN,
    FileStatus,
    FileType,
)
from shared.numbers import JSON_NUMBER
from shared.pagination import PageParams

# File, task and job ids are ULIDs.
ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
NameText = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_NAME_CHARS, pattern=NAME_PATTERN)
]
FileName = Annotated[
    NameText, Field(description="the file's name: no slash, backslash or control character")
]
Size = Annotated[
    int,
    Field(
        ge=1,
        description=f"the file's size in bytes: the most S3 will take (at most "
        f"{MAX_UPLOAD_BYTES}; 413 above)",
    ),
    JSON_NUMBER,
]


class FilePresign(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: FileName
    content_type: FileType = Field(description="the type S3 will require of the upload, exactly")
    size: Size
    task_id: Id | None = Field(default=None, description="a task of the team it belongs to")
    job_id: Id | None = Field(default=None, description="or a job of the team (not both)")


class PresignedPost(BaseModel):
    file_id: str
    url: str = Field(description="where to POST the form (multipart/form-data)")
    fields: dict[str, str] = Field(
        description="the form's fields, sent as they are, before the file (field `file`)"
    )
    expires_in: int = Field(description="seconds the form may be used for")
    max_size: int = Field(description="the most bytes S3 takes for this file")


class UploadedFilePublic(BaseModel):
    id: str
    name: str
    content_type: str
    size: int = Field(description="bytes (a pending upload: the most it may be)")
    status: FileStatus = Field(
        description="pending: presigned, not completed yet (POST /files/{id}/complete)"
    )
    task_id: str | None
    job_id: str | None
    created_by: str
    created_at: datetime
    uploaded_at: datetime | None


class FileListParams(PageParams):
    """GET /files: the team's files, or one task's or one job's (a Query of its index)."""

    task_id: Id | None = None
    job_id: Id | None = None


class FileUrl(BaseModel):
    url: str = Field(description="a presigned GET of the file's bytes, needing no header")
    expires_in: int
