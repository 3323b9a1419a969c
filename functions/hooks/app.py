"""POST /hooks/{source_id}: public (the sender's signature is the credential), small and
fast; the rules are shared.hooks.inbound's."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from functions.hooks.schemas import HookAccepted, HookDuplicate
from shared.app_factory import create_app, group_router
from shared.errors import error_responses
from shared.hooks.inbound import accept
from shared.ratelimit import client_ip

router = group_router(tags=["hooks"])

_ANSWERS = {
    200: {"model": HookDuplicate, "description": "A message id seen before, with the same body"},
    **error_responses(400, 401, 403, 404, 409, 413, 429, 503),
}
_ANSWERS[400]["description"] = "The body is not UTF-8 text"
_ANSWERS[401]["description"] = "Missing or wrong signature, or a stale timestamp (the reason)"
_ANSWERS[403]["description"] = "The source's team does not allow requests from this address"
_ANSWERS[404]["description"] = "No such source"
_ANSWERS[409]["description"] = "A message id seen before, with another body"
_ANSWERS[413]["description"] = "The body is over 1 MiB"
_ANSWERS[429]["description"] = "Over 60 requests in 60 s from this address (Retry-After)"
_ANSWERS[503]["description"] = "The message could not be queued; retry"
# The body is whatever the sender signs: read as bytes, never parsed before verification.
_ANY_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {}}, "*/*": {"schema": {}}},
    }
}


@router.post(
    "/hooks/{source_id}",
    status_code=202,
    response_model=HookAccepted,
    responses=_ANSWERS,
    openapi_extra=_ANY_BODY,
    summary="Receive a signed event from an outside system (202 once durably queued)",
)
async def receive_hook(source_id: str, request: Request) -> JSONResponse:
    accepted = accept(source_id, request.headers, await request.body(), client_ip(request))
    if accepted.duplicate:
        return JSONResponse({"id": accepted.event_id, "duplicate": True})
    return JSONResponse({"id": accepted.event_id}, status_code=202)


app = create_app("hooks", router)
