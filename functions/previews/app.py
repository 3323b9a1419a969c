"""Sandbox previews (seed 000's `/sandbox/*`): anyone opens a preview of a listed web
product (per address) and gets a URL that serves its built site for 30 minutes, each file
through a short presigned link (a 307 to S3: the site's relative links keep working under
the preview's path). HTTP shapes only; the rules are shared.previews.service's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, StringConstraints

from shared.app_factory import create_app, group_router
from shared.errors import error_responses
from shared.ids import utcnow
from shared.path_ids import IdPath
from shared.previews import service
from shared.previews.domain import Preview
from shared.ratelimit import Limit, client_ip

router = group_router(tags=["previews"])
# Each first preview of a release unpacks its site: an address opens a few an hour.
PREVIEWS_PER_IP = Limit("preview-open-ip", requests=20, window_seconds=3600)
SitePath = Annotated[str, Path(max_length=1024, description="a file of the site")]


class PreviewOpen(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    product_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class PreviewPublic(BaseModel):
    id: str
    product_id: str
    release: int
    url: str
    expires_at: datetime
    status: str


def _public(preview: Preview, request: Request) -> PreviewPublic:
    base = str(request.base_url).rstrip("/")
    return PreviewPublic(
        id=preview.id,
        product_id=preview.product_id,
        release=preview.release,
        url=f"{base}/api/v1/sandbox/previews/{preview.id}/site/",
        expires_at=preview.expires_at,
        status="live" if preview.live(utcnow()) else "expired",
    )


_OPEN = error_responses(404, 409, 422, 429)
_OPEN[404]["description"] = "No listed product with this id"
_OPEN[409]["description"] = "A download (no site), or a site too large to preview"


@router.post(
    "/sandbox/previews",
    status_code=201,
    response_model=PreviewPublic,
    responses=_OPEN,
    summary="Open a 30-minute preview of a listed web product's site",
)
async def open_preview(body: PreviewOpen, request: Request) -> PreviewPublic:
    PREVIEWS_PER_IP.hit(client_ip(request))
    return _public(service.open_preview(body.product_id), request)


_LIVE = error_responses(404, 410, 422)
_LIVE[404]["description"] = "No such preview (or no such file in its site)"
_LIVE[410]["description"] = "The preview has expired"


@router.get(
    "/sandbox/previews/{preview_id}",
    response_model=PreviewPublic,
    responses={**_LIVE},
    summary="A preview: its URL and until when it lives",
)
async def get_preview(preview_id: IdPath, request: Request) -> PreviewPublic:
    return _public(service.live_preview(preview_id), request)


_FILE = {
    307: {"description": "A short presigned link to the file in S3"},
    **_LIVE,
}


@router.get(
    "/sandbox/previews/{preview_id}/site/{file_path:path}",
    status_code=307,
    response_class=RedirectResponse,
    responses=_FILE,
    summary="A file of the preview's site (a folder: its index.html), while the preview lives",
)
async def site_file(preview_id: IdPath, file_path: SitePath) -> RedirectResponse:
    return RedirectResponse(service.file_link(preview_id, file_path), status_code=307)


app = create_app("previews", router)
