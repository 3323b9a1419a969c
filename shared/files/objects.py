"""Files' bytes in the artifacts bucket, at `<team>/files/<file>`: the presigned POST that
uploads one, the direct write, reads, presigned downloads and deletes. The only module of
the area that talks to S3."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from shared.aws import client
from shared.errors import ServiceUnavailable
from shared.settings import get_settings

if TYPE_CHECKING:
    from botocore.client import BaseClient

_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


@cache
def _post_signer(region: str, endpoint: str | None) -> BaseClient:
    """An S3 client that only signs POST policies, with SigV4: boto3 signs them with SigV2
    by default where S3 still takes it, which newer regions do not. One per region and S3
    endpoint (locally, the emulated S3's port, which a restarted emulator changes)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(region_name=region)
    signer: Any = session.client("s3", config=Config(signature_version="s3v4"))  # type: ignore[call-overload]
    return signer  # type: ignore[no-any-return]


def object_key(team_id: str, file_id: str) -> str:
    return f"{team_id}/files/{file_id}"


def _bucket() -> str:
    return get_settings().artifacts_bucket


def content_disposition(name: str) -> str:
    """`attachment` with the file's name: an ASCII fallback and the exact name (RFC 6266)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@dataclass(frozen=True, slots=True)
class ObjectHead:
    size: int
    content_type: str


def presign_post(
    key: str, content_type: str, max_size: int, expires_in: int
) -> tuple[str, dict[str, str]]:
    """An S3 presigned POST for `key` whose policy fixes the key, the exact Content-Type and
    a size of 1 to `max_size` bytes: S3 refuses any other form (403, or 400 for the size)."""
    signer = _post_signer(get_settings().aws_region, os.environ.get("AWS_ENDPOINT_URL_S3"))
    answer: dict[str, Any] = signer.generate_presigned_post(
        Bucket=_bucket(),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_size]],
        ExpiresIn=expires_in,
    )
    return str(answer["url"]), {name: str(value) for name, value in answer["fields"].items()}


def head(key: str) -> ObjectHead | None:
    """The object's size and type, or None when nothing was uploaded there."""
    try:
        found = client("s3").head_object(Bucket=_bucket(), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING:
            return None
        raise ServiceUnavailable("File storage is unavailable; try again shortly") from exc
    return ObjectHead(int(found["ContentLength"]), str(found.get("ContentType", "")))


def put(key: str, body: bytes, content_type: str, name: str) -> None:
    try:
        client("s3").put_object(
            Bucket=_bucket(),
            Key=key,
            Body=body,
            ContentType=content_type,
            ContentDisposition=content_disposition(name),
        )
    except ClientError as exc:
        raise ServiceUnavailable("File storage is unavailable; try again shortly") from exc


def read(key: str) -> bytes | None:
    s3 = client("s3")
    try:
        return bytes(s3.get_object(Bucket=_bucket(), Key=key)["Body"].read())
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING:
            return None
        raise ServiceUnavailable("File storage is unavailable; try again shortly") from exc


def download_url(key: str, name: str, content_type: str, expires_in: int) -> str:
    """A presigned GET that needs no header, answered as an attachment of the file's type
    whatever the object was stored with."""
    url: str = client("s3").generate_presigned_url(
        "get_object",
        Params={
            "Bucket": _bucket(),
            "Key": key,
            "ResponseContentDisposition": content_disposition(name),
            "ResponseContentType": content_type,
        },
        ExpiresIn=expires_in,
    )
    return url


def delete(key: str) -> None:
    """Delete the object (the bucket is versioned: its older versions go by the bucket's
    lifecycle rule for noncurrent versions)."""
    try:
        client("s3").delete_object(Bucket=_bucket(), Key=key)
    except ClientError as exc:
        raise ServiceUnavailable("File storage is unavailable; try again shortly") from exc
