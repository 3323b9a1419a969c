"""Files as the services see them, and the limits both sides keep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from shared.request_fields import PY_SPACE

FileStatus = Literal["pending", "available"]

# The types a file may have: documents, data, archives and raster images. Exact media types
# without parameters: S3's policy compares the form's Content-Type to one of these exactly.
# No HTML, SVG or script: a download must never be something a browser runs.
FileType = Literal[
    "text/plain",
    "text/markdown",
    "text/csv",
    "application/json",
    "application/x-yaml",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/x-tar",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
]
ALLOWED_CONTENT_TYPES: tuple[str, ...] = get_args(FileType)
# A file's name: its last path part, up to 255 characters, none a slash, a backslash or a
# control character, and at least one that is not white space or a dot (no ".", "..").
MAX_NAME_CHARS = 255
_NAME_CHAR = r"[^/\\\x00-\x1f\x7f]"
_NAME_SOLID = r"[^/\\\x00-\x1f\x7f." + PY_SPACE + "]"
NAME_PATTERN = f"^{_NAME_CHAR}*{_NAME_SOLID}{_NAME_CHAR}*$"
# A presigned POST's largest file (S3 takes up to 5 GB in one POST; this is the product's cap).
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# A direct upload goes through API Gateway and the function: its body must stay under the
# kernel's request cap (Settings.max_body_bytes, 1 MiB by default) with the form's own
# parts, so the file alone is at most this. Anything larger goes through a presigned POST.
MAX_DIRECT_UPLOAD_BYTES = 1_000_000
# How long a presigned POST may be used, and a download URL (seed 003: one hour).
UPLOAD_URL_SECONDS = 900
DOWNLOAD_URL_SECONDS = 3600
# A file up to this size is answered inline by /download; a larger one is a redirect to
# a presigned URL (Lambda answers at most 6 MB, base64 makes 4 MB ~5.3 MB).
MAX_INLINE_DOWNLOAD_BYTES = 4_000_000
# A presigned upload never completed is forgotten (DynamoDB TTL) this long after its
# URL expired.
PENDING_GRACE_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class Attachment:
    """What a file belongs to: a task or a job of the team, or neither."""

    task_id: str | None = None
    job_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file's metadata. `size` is the object's (for a pending upload: the size it may
    be at most). `object_key` is where its bytes are in the artifacts bucket."""

    team_id: str
    id: str
    name: str
    content_type: str
    size: int
    status: FileStatus
    attachment: Attachment
    object_key: str
    created_by: str
    created_at: datetime
    uploaded_at: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PresignedUpload:
    """A presigned POST: where to send the form, its fields, until when."""

    file: StoredFile
    url: str
    fields: dict[str, str]
    expires_in: int


@dataclass(frozen=True, slots=True)
class Download:
    """A download: the bytes inline, or (a large file) a presigned URL to redirect to."""

    file: StoredFile
    body: bytes | None = None
    url: str | None = None
