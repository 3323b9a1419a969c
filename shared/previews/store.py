"""Previews, their releases' unpacked sites and the sites' files (keys in
shared.previews.models): the only module of the area that touches the table and bucket."""

from __future__ import annotations

import mimetypes
from datetime import timedelta

from shared.aws import client
from shared.db.base import get_or_none, insert, storage_errors
from shared.ids import looks_like_id
from shared.previews.domain import Preview
from shared.previews.models import (
    PREVIEW_SORT,
    SITE_SORT,
    PreviewItem,
    SiteItem,
    preview_partition,
    site_partition,
    site_prefix,
)
from shared.settings import get_settings

# A preview's item stays a day past its end, so a late visit is told it expired (410).
KEPT_AFTER = timedelta(days=1)


def _bucket() -> str:
    return get_settings().artifacts_bucket


def create_preview(preview: Preview) -> Preview:
    insert(
        PreviewItem(
            preview_partition(preview.id),
            PREVIEW_SORT,
            team_id=preview.seller_id,
            preview_id=preview.id,
            product_id=preview.product_id,
            release=preview.release,
            live_until=preview.expires_at,
            created_at=preview.created_at,
            expires_at=preview.expires_at + KEPT_AFTER,
        ),
        "preview",
    )
    return preview


def get_preview(preview_id: str) -> Preview | None:
    if not looks_like_id(preview_id):
        return None
    item = get_or_none(PreviewItem, preview_partition(preview_id), PREVIEW_SORT)
    if item is None:
        return None
    return Preview(
        id=item.preview_id,
        product_id=item.product_id,
        seller_id=item.team_id,
        release=int(item.release),
        created_at=item.created_at,
        expires_at=item.live_until,
    )


def site_ready(product_id: str, release: int) -> bool:
    return get_or_none(SiteItem, site_partition(product_id, release), SITE_SORT) is not None


def put_site(seller_id: str, product_id: str, release: int, files: dict[str, bytes]) -> None:
    """The site's files under the release's prefix, then the mark that it is whole (a
    concurrent first preview writes the same bytes: both end the same)."""
    s3 = client("s3")
    prefix = site_prefix(seller_id, product_id, release)
    for path, body in files.items():
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        s3.put_object(Bucket=_bucket(), Key=prefix + path, Body=body, ContentType=kind)
    with storage_errors("preview"):
        SiteItem(
            site_partition(product_id, release),
            SITE_SORT,
            team_id=seller_id,
            files=len(files),
            size_bytes=sum(len(body) for body in files.values()),
        ).save()


def read_zip(key: str) -> bytes:
    return bytes(client("s3").get_object(Bucket=_bucket(), Key=key)["Body"].read())


def file_link(preview: Preview, path: str, expires_in: int) -> str | None:
    """A presigned GET of one file of the preview's site (None: the site has no such file)."""
    s3 = client("s3")
    key = site_prefix(preview.seller_id, preview.product_id, preview.release) + path
    try:
        s3.head_object(Bucket=_bucket(), Key=key)
    except s3.exceptions.ClientError:
        return None
    url: str = s3.generate_presigned_url(
        "get_object", Params={"Bucket": _bucket(), "Key": key}, ExpiresIn=expires_in
    )
    return url
