"""Telemetry: `POST /telemetry/events` takes a batch of a product page's client events
(public, per address, a body of at most 64 KiB: 413 above, before it is parsed); `GET
/telemetry/summary` gives a seller its product's counts. HTTP shapes only; the rules are
shared.telemetry.service's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.app_factory import create_app, group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.errors import PayloadTooLarge, error_responses
from shared.ratelimit import Limit, per_ip
from shared.request_fields import DateTimeText
from shared.telemetry import service
from shared.telemetry.domain import MAX_BATCH_BYTES, MAX_EVENTS, MAX_SUMMARY_DAYS, TelemetryEvent

router = group_router(tags=["telemetry"])
BATCHES_PER_IP = Limit("telemetry-ip", requests=60, window_seconds=60)
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class TelemetryEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.:-]{0,63}$")] = Field(
        description="what happened: page_view, preview_opened, buy_clicked, ..."
    )
    product_id: Id
    session_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    timestamp: DateTimeText | None = Field(default=None, description="when, by the client's clock")


class TelemetryBatch(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    events: list[TelemetryEventIn] = Field(min_length=1, max_length=MAX_EVENTS)


class TelemetryAccepted(BaseModel):
    accepted: int = Field(description="events kept and counted")
    rejected: int = Field(description="events naming a product that is not listed")


class TelemetryDay(BaseModel):
    date: str
    total: int


class TelemetrySummary(BaseModel):
    product_id: str
    first_day: str
    last_day: str
    total: int
    by_name: dict[str, int]
    by_day: list[TelemetryDay]


class SummaryParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: Id
    days: int = Field(default=7, ge=1, le=MAX_SUMMARY_DAYS)


async def _capped(request: Request) -> None:
    """413 for a body over the batch cap, before FastAPI parses it (the whole body is read
    once, as the kernel's cap lets it: a declared length is not trusted alone)."""
    if len(await request.body()) > MAX_BATCH_BYTES:
        raise PayloadTooLarge(f"A telemetry batch is at most {MAX_BATCH_BYTES} bytes")


_INGEST = error_responses(413, 422, 429)
_INGEST[413]["description"] = f"The batch is over {MAX_BATCH_BYTES} bytes"


@router.post(
    "/telemetry/events",
    status_code=202,
    response_model=TelemetryAccepted,
    responses=_INGEST,
    summary="A batch of a product page's client events (public, per address, size-capped)",
    dependencies=[Depends(_capped), Depends(per_ip(BATCHES_PER_IP))],
)
async def ingest(body: TelemetryBatch) -> TelemetryAccepted:
    events = [
        TelemetryEvent(e.name, e.product_id, e.session_id, e.properties, e.timestamp)
        for e in body.events
    ]
    done = service.ingest(events)
    return TelemetryAccepted(accepted=done.accepted, rejected=done.rejected)


_SUMMARY = error_responses(404, 422)
_SUMMARY[404]["description"] = "No product of the team with this id"


@router.get(
    "/telemetry/summary",
    response_model=TelemetrySummary,
    responses=_SUMMARY,
    summary="A product's telemetry over the last days: by event name and by day",
)
async def summary(
    principal: CurrentPrincipal, params: Annotated[SummaryParams, Query()]
) -> TelemetrySummary:
    found = service.summary(principal.team_id, params.product_id, params.days)
    return TelemetrySummary(
        product_id=found.product_id,
        first_day=found.first.isoformat(),
        last_day=found.last.isoformat(),
        total=found.total,
        by_name=found.by_name,
        by_day=[TelemetryDay(date=day.isoformat(), total=n) for day, n in found.by_day],
    )


app = create_app("telemetry", router)
