"""The rest group (seed 002): deployed agents, called by anyone with the link or the key.

`POST /rest/{friendly_name}` runs the deployed agent with the JSON body as its
`input_dict` and answers its result; `GET /rest/{friendly_name}/openapi.json` describes it.
No caller token is checked here: a key-protected deployment checks its own key
(`X-API-Key`, or `Authorization: Bearer <key>`), a public one none; the owning team's
IP rules apply to either. The rules are
shared.deployments.calls'. Browsers' pages (demo apps) call these routes from other
origins, so they answer CORS for any origin, without credentials.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Header, Path, Request
from starlette.middleware.cors import CORSMiddleware

from shared.app_factory import create_app, group_router
from shared.deployments import calls
from shared.errors import Unprocessable, error_responses
from shared.ratelimit import client_ip

FRIENDLY_NAME = r"^[a-z0-9][a-z0-9-]{0,62}$"
NamePath = Annotated[str, Path(pattern=FRIENDLY_NAME, description="the deployment's name")]
ApiKey = Annotated[
    str | None,
    Header(alias="X-API-Key", description="the deployment's key (key-protected ones)"),
]
Authorization = Annotated[
    str | None,
    Header(description="`Bearer <the deployment's key>`, instead of X-API-Key"),
]

router = group_router(tags=["rest"], responses=error_responses(401, 403, 404, 422, 429))

_CALL = error_responses(401, 402, 403, 404, 413, 422, 429, 503)
_CALL[403]["description"] = "The deployment's team does not allow calls from this address"
_CALL[401]["description"] = "The deployment is key-protected and the key is missing or wrong"
_CALL[402]["description"] = (
    "Budget exceeded: a tools.llm call of the agent would go over a spending limit of the "
    "deployment's team"
)
_CALL[404]["description"] = "No deployed API by this name"
_CALL[413]["description"] = "The body is over 1 MiB"
_CALL[422]["description"] = (
    "The body is not JSON, the input does not match the agent's input schema, or the agent "
    "failed: it raised (the line is named), ran past its time or memory limit, answered "
    "something that does not match its output schema, or a tool it called failed"
)
_CALL[429]["description"] = (
    "Over the deployment's rate limit (per minute) or its monthly call quota (Retry-After: "
    "when the next call is admitted)"
)
_CALL[503]["description"] = "The sandbox did not answer"


def _key(api_key: str | None, authorization: str | None) -> str | None:
    if api_key:
        return api_key
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def _input(raw: bytes) -> Any:
    """The body as the agent's input: any JSON, whatever Content-Type says (an empty body
    is `{}`)."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:  # UnicodeDecodeError included
        raise Unprocessable("the body must be JSON: the agent's input") from None


@router.post(
    "/rest/{friendly_name}",
    responses=_CALL,
    summary="Call a deployed agent: the JSON body is its input, the answer its output",
    # The body is read as JSON whatever its Content-Type (curl -d sends a form's).
    openapi_extra={
        "requestBody": {
            "description": "the agent's input_dict (any JSON; empty: {})",
            "required": False,
            "content": {"application/json": {"schema": {}}},
        }
    },
)
async def call_deployment(
    friendly_name: NamePath,
    request: Request,
    x_api_key: ApiKey = None,
    authorization: Authorization = None,
) -> Any:
    return calls.call(
        friendly_name,
        _key(x_api_key, authorization),
        _input(await request.body()),
        address=client_ip(request),
    )


@router.get(
    "/rest/{friendly_name}/openapi.json",
    summary="The deployment's OpenAPI 3.1 document, built from its agent's schemas",
    responses=error_responses(401, 404),
)
async def deployment_openapi(
    friendly_name: NamePath,
    request: Request,
    x_api_key: ApiKey = None,
    authorization: Authorization = None,
) -> dict[str, Any]:
    return calls.describe(friendly_name, _key(x_api_key, authorization), address=client_ip(request))


app = create_app("rest", router)
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type", "X-API-Key", "Authorization"],
    max_age=600,
)
