"""Health routes. Liveness answers from memory; readiness asks the tables and the bucket."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse, JSONResponse

from functions.health import service
from functions.health.schemas import ApiInfo, HealthStatus, ReadinessStatus
from functions.registry import HEALTH_PATHS
from shared.app_factory import API_V1, create_app, group_router
from shared.live.endpoints import live_url
from shared.settings import get_settings

router = group_router(tags=["health"])
_NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"model": ReadinessStatus, "description": "Not ready, with the reason"}
}


@router.get("/health", response_model=HealthStatus, summary="Liveness")
@router.get("/healthz", response_model=HealthStatus, summary="Liveness (probe style)")
async def health() -> JSONResponse:
    return JSONResponse({"status": "ok", "version": get_settings().version})


@router.get(
    "/readyz",
    response_model=ReadinessStatus,
    responses=_NOT_READY,
    summary="Readiness: every table and the artifacts bucket answer",
)
@router.get(
    "/ready", response_model=ReadinessStatus, responses=_NOT_READY, summary="Readiness (alias)"
)
async def ready() -> JSONResponse:
    settings = get_settings()
    verdict = service.readiness(settings, max_age_seconds=settings.readiness_cache_seconds)
    body = {
        "status": "ready" if verdict.ready else "not_ready",
        "error": "; ".join(verdict.problems) or None,
        "checked": list(verdict.checked),
    }
    return JSONResponse(body, status_code=200 if verdict.ready else 503)


@router.get("", response_model=ApiInfo, summary="Service information")
async def api_info() -> JSONResponse:
    settings = get_settings()
    return JSONResponse(
        {
            "status": "ok",
            "service": settings.service_name,
            "version": settings.version,
            "docs_url": f"{API_V1}/docs",
            # Where live events are (WS /ws): clients find the WebSocket API here.
            "live_url": live_url(),
        }
    )


@router.get("/openapi.json", include_in_schema=False)
async def openapi_document() -> JSONResponse:
    from functions.health.openapi import load_openapi

    return JSONResponse(load_openapi())


@router.get("/docs", include_in_schema=False)
async def swagger_ui() -> HTMLResponse:
    from fastapi.openapi.docs import get_swagger_ui_html

    return get_swagger_ui_html(openapi_url=f"{API_V1}/openapi.json", title="Software Factory API")


app = create_app(
    "health",
    router,
    root_aliases=tuple(f"/{path}" for path in HEALTH_PATHS),
)
