"""The admin dashboard and discovery runs (seed 000's admin rows, admins of the team): the
team's figures from counters, as JSON and as a server-sent event; discovery runs asking
the team's default provider for product ideas (and starting products from them). Another
team's run is 404. HTTP shapes only; the rules are shared.dashboard's and shared.discovery's.

The metrics stream is one event per request: API Gateway (REST) buffers a Lambda's whole
answer, so a stream held open would reach the browser only when it ends. The answer is
the current snapshot with `retry:`, and EventSource reconnects after that many ms for the
next one: a poll at the stream's pace, in EventSource's shape."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from functions.product_dashboard.schemas import (
    DashboardFigures,
    DiscoveryRunPublic,
    DiscoveryRunRequest,
    dashboard_figures,
    discovery_run_public,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal
from shared.dashboard.figures import STREAM_RETRY_MS, stream_event, team_figures
from shared.discovery import service
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.path_ids import IdPath

router = group_router(tags=["product-dashboard"])

_RUN = error_responses(404)
_RUN[404]["description"] = "No discovery run of this team with this id"
_START = error_responses(422, 503)
_START[503]["description"] = "The discovery queue is unavailable: try again shortly"


@router.get(
    "/admin/dashboard",
    response_model=DashboardFigures,
    summary="The team's figures from counters: products, orders and revenue, support",
)
async def dashboard(principal: AdminPrincipal) -> DashboardFigures:
    return dashboard_figures(team_figures(principal.team_id))


@router.get(
    "/admin/metrics/stream",
    response_class=Response,
    responses={
        200: {
            "description": (
                "One server-sent event `metrics` (the dashboard's figures as JSON) with "
                f"`retry: {STREAM_RETRY_MS}`: API Gateway buffers a Lambda's answer, so "
                "each request is one snapshot and EventSource reconnects for the next"
            ),
            # One event's fields (OpenAPI before 3.2: `schema` describes each event).
            "content": {
                "text/event-stream": {
                    "schema": {
                        "type": "object",
                        "required": ["event", "data", "id", "retry"],
                        "properties": {
                            "event": {"type": "string", "enum": ["metrics"]},
                            "data": {
                                "type": "string",
                                "contentMediaType": "application/json",
                                "description": "DashboardFigures as JSON",
                            },
                            "id": {"type": "string", "description": "the snapshot's time"},
                            "retry": {"type": "integer", "enum": [STREAM_RETRY_MS]},
                        },
                    }
                }
            },
        },
    },
    summary="The dashboard's figures as an EventSource stream (one snapshot per connection)",
)
async def metrics_stream(principal: AdminPrincipal) -> Response:
    figures = dashboard_figures(team_figures(principal.team_id)).model_dump(mode="json")
    return Response(
        # The snapshot's time is its id: EventSource sends it back as Last-Event-ID.
        stream_event(figures, str(figures["generated_at"])),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )


@router.post(
    "/admin/discovery/run",
    status_code=202,
    response_model=DiscoveryRunPublic,
    responses=_START,
    summary="Ask the team's default provider for product ideas (and start a product each)",
)
async def start_run(body: DiscoveryRunRequest, principal: AdminPrincipal) -> DiscoveryRunPublic:
    run = service.start_run(
        principal.team_id,
        principal.subject,
        top_k=body.top_k,
        create_product=body.create_product,
        theme=body.theme,
        category=body.category,
    )
    return discovery_run_public(run)


@router.get(
    "/admin/discovery/runs",
    response_model=Page[DiscoveryRunPublic],
    responses=LIST_RESPONSES,
    summary="The team's discovery runs, newest first",
)
async def list_runs(principal: AdminPrincipal, params: Pagination) -> dict[str, Any]:
    items, total, cursor = service.list_runs(principal.team_id, params)
    return page_answer([discovery_run_public(item) for item in items], total, params, cursor)


@router.get(
    "/admin/discovery/runs/{run_id}",
    response_model=DiscoveryRunPublic,
    responses=_RUN,
    summary="One of the team's discovery runs: its status, ideas and products",
)
async def get_run(run_id: IdPath, principal: AdminPrincipal) -> DiscoveryRunPublic:
    return discovery_run_public(service.get_run(principal.team_id, run_id))


app = create_app("product_dashboard", router)
