"""Sandbox previews' rules: a listed web product's current release, its built site (the
ZIP's web root) unpacked once per release into the bucket, served file by file through
short presigned links under a per-preview URL that lives 30 minutes (410 after)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from shared.errors import Conflict, Gone, NotFound
from shared.ids import new_id, utcnow
from shared.previews import store
from shared.previews.domain import (
    FILE_LINK_SECONDS,
    MAX_SITE_BYTES,
    MAX_SITE_FILES,
    PREVIEW_LIFETIME,
    Preview,
)
from shared.products import objects
from shared.products import service as products
from shared.products.domain import Product


def open_preview(product_id: str) -> Preview:
    """A new preview of a listed web product (404: not listed; 409: not a web product, or
    a site too large to preview)."""
    product = products.public_product(product_id)
    if product.kind != "web" or product.web_root is None:
        raise Conflict("this product is a download: it has no site to preview")
    if not store.site_ready(product.id, product.release):
        _unpack(product)
    now = utcnow()
    return store.create_preview(
        Preview(
            id=new_id(),
            product_id=product.id,
            seller_id=product.team_id,
            release=product.release,
            created_at=now,
            expires_at=now + PREVIEW_LIFETIME,
        )
    )


def _site_root(names: list[str], web_root: str) -> str:
    """Where the site starts in the ZIP: an export puts every file under one folder (the
    job's slug), then the release's web root within it."""
    tops = {name.split("/", 1)[0] for name in names if "/" in name}
    top = f"{tops.pop()}/" if len(tops) == 1 and all("/" in name for name in names) else ""
    return top + web_root


def _unpack(product: Product) -> None:
    archive = zipfile.ZipFile(io.BytesIO(store.read_zip(objects.release_zip_key(product))))
    entries = [info for info in archive.infolist() if not info.is_dir()]
    root = _site_root([info.filename for info in entries], product.web_root or "")
    files: dict[str, bytes] = {}
    size = 0
    for info in entries:
        path = info.filename[len(root) :] if info.filename.startswith(root) else None
        if not path or ".." in path.split("/") or path.startswith("/"):
            continue
        size += info.file_size
        if len(files) >= MAX_SITE_FILES or size > MAX_SITE_BYTES:
            raise Conflict(
                f"the site is too large to preview (at most {MAX_SITE_FILES} files, "
                f"{MAX_SITE_BYTES // (1024 * 1024)} MiB)"
            )
        files[path] = archive.read(info)
    store.put_site(product.team_id, product.id, product.release, files)


def live_preview(preview_id: str, now: datetime | None = None) -> Preview:
    """The preview while it lives: 404 for none, 410 once it has expired."""
    preview = store.get_preview(preview_id)
    if preview is None:
        raise NotFound("no such preview")
    if not preview.live(now or utcnow()):
        raise Gone("this preview has expired: open a new one")
    return preview


def file_link(preview_id: str, path: str) -> str:
    """A short presigned link to one file of the preview's site (a folder: its index.html),
    never outliving the preview; 404 for a file the site does not have."""
    now = utcnow()
    preview = live_preview(preview_id, now)
    if path == "" or path.endswith("/"):
        path += "index.html"
    if ".." in path.split("/"):
        raise NotFound("no such file in the preview")
    left = int((preview.expires_at - now).total_seconds())
    url = store.file_link(preview, path, max(1, min(FILE_LINK_SECONDS, left)))
    if url is None:
        raise NotFound("no such file in the preview")
    return url
