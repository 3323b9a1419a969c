"""The analytics group's app (seed 003 Analytics, Exports and /metrics).

- `/analytics/*`: the team's figures over the last N days, read from counters and daily
  rollups (shared.analytics.service), never by reading every task.
- `GET /exports/{format}?type=`: tasks, agents, jobs or the cost ledger's calls as json,
  csv or xlsx, streamed from paged Queries to a file in /tmp; answered inline when small,
  else as a presigned URL of the file in S3 (shared.analytics.exports).
- `GET /metrics` (also at the root, where Prometheus looks): the team's figures in
  Prometheus' text format, for an API key of the team (read scope): a scraper's
  credential, long-lived and unable to change anything.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.responses import JSONResponse, Response

from functions.analytics.schemas import (
    AgentAnalyticsParams,
    AgentPerformance,
    AnalyticsOverview,
    ExportLink,
    TaskTimeline,
    WorkerUtilization,
)
from shared.analytics import exports
from shared.analytics import service as analytics
from shared.analytics.export_store import ExportType
from shared.analytics.writers import MEDIA_TYPES, ExportFormat
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.errors import Forbidden, error_responses
from shared.pagination import LIST_RESPONSES, Page, page_answer

router = group_router(tags=["analytics"], responses=error_responses(401, 403, 422))

Days = Annotated[
    int,
    Query(ge=1, le=analytics.MAX_DAYS, description="the last N UTC days, today included"),
]

# Seed 003 serves /metrics at the root; /api/v1/metrics and /api/metrics answer the same.
METRICS_ROOT = "/metrics"


@router.get(
    "/analytics/overview",
    response_model=AnalyticsOverview,
    summary="Tasks, jobs, LLM spend and agents: the window's figures and the counts now",
)
async def overview(principal: CurrentPrincipal, days: Days = analytics.DEFAULT_DAYS) -> Any:
    return analytics.overview(principal.team_id, days)


@router.get(
    "/analytics/agents",
    response_model=Page[AgentPerformance],
    responses=LIST_RESPONSES,
    summary="Per-agent performance: tasks over the window, LLM spend to date",
)
async def agents(
    principal: CurrentPrincipal, params: Annotated[AgentAnalyticsParams, Query()]
) -> Any:
    items, total, cursor = analytics.agents(principal.team_id, params.days, params)
    return page_answer(items, total, params, cursor)


@router.get(
    "/analytics/tasks/timeline",
    response_model=TaskTimeline,
    summary="Tasks created and ended per day, for charts (days without any at zero)",
)
async def task_timeline(principal: CurrentPrincipal, days: Days = analytics.DEFAULT_DAYS) -> Any:
    return analytics.timeline(principal.team_id, days)


@router.get(
    "/analytics/workers/utilization",
    response_model=WorkerUtilization,
    summary="Each worker's last reported load and its running tasks against its capacity",
)
async def worker_utilization(principal: CurrentPrincipal) -> Any:
    return analytics.worker_utilization(principal.team_id)


# Written out: the link's model is never a response_model, so it has no component.
_LINK_SCHEMA = {
    "type": "object",
    "required": ["url", "expires_in", "rows", "bytes"],
    "properties": {
        "url": {"type": "string"},
        "expires_in": {"type": "integer"},
        "rows": {"type": "integer"},
        "bytes": {"type": "integer"},
    },
}
_EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file itself when at most 1 MiB (json: an array of rows), else "
        "`{url, expires_in, rows, bytes}`: a presigned GET of the file in S3",
        "content": {
            "application/json": {
                "schema": {"oneOf": [{"type": "array", "items": {"type": "object"}}, _LINK_SCHEMA]}
            },
            "text/csv": {"schema": {"type": "string"}},
            MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        },
    },
    **error_responses(413, 503),
}
_EXPORT_RESPONSES[413]["description"] = (
    f"More than {exports.MAX_ROWS} rows: too many for one request"
)


@router.get(
    "/exports/{format}",
    response_class=Response,
    responses=_EXPORT_RESPONSES,
    summary="Export tasks, agents, jobs or the cost ledger as json, csv or xlsx",
)
async def export(
    format: Annotated[ExportFormat, Path(description="json, csv or xlsx")],
    principal: CurrentPrincipal,
    type: Annotated[ExportType, Query(description="what to export")],
) -> Response:
    done = exports.export(principal.team_id, format, type)
    if isinstance(done, exports.LinkedExport):
        link = ExportLink(
            url=done.url, expires_in=done.expires_in, rows=done.rows, bytes=done.bytes
        )
        return JSONResponse(link.model_dump())
    return Response(
        done.content,
        media_type=done.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{done.filename}"',
            "X-Export-Rows": str(done.rows),
        },
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "The team's figures in Prometheus' text exposition format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
    },
    summary="Prometheus metrics of the team (an API key of the team, read scope)",
)
async def metrics(principal: CurrentPrincipal) -> Response:
    from shared.analytics.metrics import CONTENT_TYPE, exposition

    if principal.via != "api_key":
        raise Forbidden("GET /metrics takes an API key of the team (read scope) as its bearer")
    return Response(exposition(principal.team_id), media_type=CONTENT_TYPE)


app = create_app("analytics", router, root_aliases=(METRICS_ROOT,))
