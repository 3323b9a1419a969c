"""Seed 002's `POST /log/client`: public (a client may fail before anyone signs in),
capped in size and rate per address (functions.auth.client_logs)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from functions.auth import client_logs
from shared.app_factory import group_router
from shared.errors import error_responses
from shared.ratelimit import client_ip, per_ip
from shared.request_fields import trimmed

router = group_router(tags=["logs"])


class ClientLog(BaseModel):
    """Seed 002's body; `event_type` is taken for `eventType` too."""

    model_config = ConfigDict(extra="forbid")

    event_type: Annotated[str, trimmed(100)] = Field(
        validation_alias=AliasChoices("eventType", "event_type"),
        description="what happened, in the client's words (`event_type` too)",
    )
    message: Annotated[str, trimmed(4000)]
    level: Literal["DEBUG", "INFO", "WARN", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    metadata: dict[str, Any] | None = Field(
        default=None,
        description=f"anything else (at most {client_logs.MAX_METADATA_BYTES} bytes as JSON: "
        "413 above); `client_host` and `user_agent` are added",
    )


_ANSWERS = error_responses(413, 422, 429)
_ANSWERS[413]["description"] = (
    f"The metadata is over {client_logs.MAX_METADATA_BYTES} bytes as JSON, or the body over "
    "the body cap"
)


class ClientLogAnswer(BaseModel):
    status: Literal["logged"] = "logged"


@router.post(
    "/log/client",
    response_model=ClientLogAnswer,
    responses=_ANSWERS,
    summary="Write a client's log entry to the service's log (public; rate-limited)",
    description=f"At most {client_logs.CLIENT_LOG_PER_IP.requests} entries a minute per "
    "address (429 with Retry-After above).",
    dependencies=[Depends(per_ip(client_logs.CLIENT_LOG_PER_IP))],
)
async def log_client(body: ClientLog, request: Request) -> ClientLogAnswer:
    client_logs.write_client_log(
        event_type=body.event_type,
        message=body.message,
        level=body.level,
        metadata=body.metadata,
        client_host=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    return ClientLogAnswer()
