"""Demo pages in the artifacts bucket: `demos/<team>/<demo>/v<version>/index.html`, handed
out as a presigned GET URL (no bucket is public). The object carries its content type, so
a browser opening the URL renders the page; the policy is in the page (shared.demos.page).

One object per version of the demo: a write puts the new version's page first and then
moves the item to that version on condition of the one it read, so whichever update wins,
the item names a page that holds its own code (the loser's page is deleted). The page of
the version replaced is deleted after, so its old URLs stop working."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shared.aws import client
from shared.demos.domain import PAGE_URL_SECONDS
from shared.errors import ServiceUnavailable
from shared.settings import get_settings

CONTENT_TYPE = "text/html; charset=utf-8"


@contextmanager
def _bucket_errors() -> Iterator[None]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable("Storage is unavailable; try again shortly") from exc


def _prefix(team_id: str, demo_id: str) -> str:
    return f"demos/{team_id}/{demo_id}/"


def page_key(team_id: str, demo_id: str, version: int) -> str:
    return f"{_prefix(team_id, demo_id)}v{version}/index.html"


def save_page(team_id: str, demo_id: str, version: int, page: str) -> None:
    with _bucket_errors():
        client("s3").put_object(
            Bucket=get_settings().artifacts_bucket,
            Key=page_key(team_id, demo_id, version),
            Body=page.encode(),
            ContentType=CONTENT_TYPE,
            # A page replaced by an update must not be served stale from a cache.
            CacheControl="no-store",
        )


def page_url(team_id: str, demo_id: str, version: int) -> str:
    """A presigned GET of the page, good for PAGE_URL_SECONDS (signed here: no request)."""
    url: str = client("s3").generate_presigned_url(
        "get_object",
        Params={
            "Bucket": get_settings().artifacts_bucket,
            "Key": page_key(team_id, demo_id, version),
        },
        ExpiresIn=PAGE_URL_SECONDS,
    )
    return url


def delete_page(team_id: str, demo_id: str, version: int) -> None:
    with _bucket_errors():
        client("s3").delete_object(
            Bucket=get_settings().artifacts_bucket, Key=page_key(team_id, demo_id, version)
        )


def delete_pages(team_id: str, demo_id: str) -> None:
    """Every page the demo has (a deleted demo's)."""
    bucket = get_settings().artifacts_bucket
    s3 = client("s3")
    with _bucket_errors():
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=_prefix(team_id, demo_id))
        keys = [{"Key": obj["Key"]} for obj in listed.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})
