"""GET /exports/{format}?type=: the team's tasks, agents, jobs or LLM calls as json, csv or
xlsx.

Rows come from one paged Query (shared.analytics.export_store) and go straight to a file in
/tmp (shared.analytics.writers), so memory stays flat however many there are. A file of at
most INLINE_BYTES is answered as it is; a larger one is put in the artifacts bucket under
`exports/<team>/<export id>.<ext>` (streamed from the file, a single PUT) and answered as a
presigned GET good for LINK_SECONDS. The objects are the team's: the key starts with it and
only a presigned URL reaches one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from shared.analytics.export_store import SOURCES
from shared.analytics.writers import MEDIA_TYPES, write_file
from shared.aws import client
from shared.errors import PayloadTooLarge, ServiceUnavailable
from shared.ids import new_id, utcnow
from shared.settings import get_settings

# Answered in the response itself up to this size (well inside API Gateway's and Lambda's
# 6 MB, base64 included); larger files go to S3.
INLINE_BYTES = 1024 * 1024
LINK_SECONDS = 900
# What one request can read and write within the API's 29 s (bench/exports.py: about
# 0.3 ms a row here, replayed answers): past it, 413.
MAX_ROWS = 100_000


@dataclass(frozen=True, slots=True)
class InlineExport:
    content: bytes
    media_type: str
    filename: str
    rows: int


@dataclass(frozen=True, slots=True)
class LinkedExport:
    url: str
    expires_in: int
    rows: int
    bytes: int
    filename: str


# Where large exports wait for their presigned link to be followed; the bucket expires them
# a day after they are written (infra/constructs/artifacts.py), long past the link.
EXPORT_PREFIX = "exports/"


def export_key(team_id: str, export_id: str, extension: str) -> str:
    return f"{EXPORT_PREFIX}{team_id}/{export_id}.{extension}"


@contextmanager
def _scratch(extension: str) -> Iterator[str]:
    """A path in the temporary directory, removed afterwards whatever happens."""
    handle, path = tempfile.mkstemp(prefix="export-", suffix=f".{extension}")
    os.close(handle)
    try:
        yield path
    finally:
        os.unlink(path)


def _upload(path: str, key: str, media_type: str, filename: str) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    bucket = get_settings().artifacts_bucket
    s3 = client("s3")
    try:
        with open(path, "rb") as body:
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=media_type)
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable("Storage is unavailable; try again shortly") from exc
    url: str = s3.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": bucket,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
        },
        ExpiresIn=LINK_SECONDS,
    )
    return url


def export(team_id: str, export_format: str, export_type: str) -> InlineExport | LinkedExport:
    """The team's `export_type` as `export_format`: inline when small, else a link.
    PayloadTooLarge past MAX_ROWS rows."""
    source = SOURCES[export_type]
    media_type = MEDIA_TYPES[export_format]
    export_id = new_id()
    filename = f"{export_type}-{utcnow():%Y%m%d-%H%M%S}.{export_format}"
    with _scratch(export_format) as path:
        rows = write_file(path, export_format, source.columns, source.rows(team_id), MAX_ROWS)
        if rows > MAX_ROWS:
            raise PayloadTooLarge(f"the export has more than {MAX_ROWS} rows")
        size = os.path.getsize(path)
        if size <= INLINE_BYTES:
            with open(path, "rb") as written:
                return InlineExport(written.read(), media_type, filename, rows)
        key = export_key(team_id, export_id, export_format)
        url = _upload(path, key, media_type, filename)
    return LinkedExport(url, LINK_SECONDS, rows, size, filename)
