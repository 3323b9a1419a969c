"""The connectors group's app (seed 002 MCP connectors and Specs): `POST /mcp/tools` lists a
team's MCP server's tools, `POST /specs/fetch` fetches and validates an OpenAPI document
and lists its operations. Neither talks to the server itself: the connector_runner worker
does (shared/connectors/client.py), the only function that does, under the URL policy."""

from __future__ import annotations

from functions.connectors.schemas import (
    McpToolsRequest,
    McpToolsResponse,
    SpecFetchRequest,
    SpecFetchResponse,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.connectors import client
from shared.errors import error_responses

router = group_router(tags=["connectors"], responses=error_responses(401, 403, 422))


def _reaching(what: str) -> dict[int | str, dict[str, object]]:
    """The statuses of a request that reaches a server the caller names."""
    responses = error_responses(413, 422, 502, 503, 504)
    responses[413]["description"] = f"The {what} answered more than the size cap"
    responses[502]["description"] = (
        f"The {what} could not be reached, or answered an error (its status is named)"
    )
    responses[503]["description"] = "The connectors' worker did not answer"
    responses[504]["description"] = f"The {what} did not answer in time"
    return responses


_TOOLS = _reaching("MCP server")
_TOOLS[422]["description"] = (
    "The URL may not be reached (deployed: only https to a public address; private, "
    "loopback and link-local addresses are refused), or the body is invalid"
)
_SPECS = _reaching("document's server")
_SPECS[413]["description"] = "The document is larger than 5 MB"
_SPECS[422]["description"] = (
    "The URL may not be reached (deployed: only https to a public address), or the "
    "document is not OpenAPI 3.0/3.1 or Swagger 2.0, or is not valid (the reason is named)"
)


@router.post(
    "/mcp/tools",
    response_model=McpToolsResponse,
    responses=_TOOLS,
    summary="List an MCP server's tools (Streamable HTTP): name, description, input schema",
)
async def list_mcp_tools(body: McpToolsRequest, principal: CurrentPrincipal) -> McpToolsResponse:
    tools = client.list_mcp_tools(body.mcp_url, body.auth_token, team_id=principal.team_id)
    return McpToolsResponse.model_validate(
        {"mcp_url": body.mcp_url, "tools": [tool.model_dump() for tool in tools]}
    )


@router.post(
    "/specs/fetch",
    response_model=SpecFetchResponse,
    responses=_SPECS,
    summary="Fetch and validate an OpenAPI 3.x / Swagger 2.0 document; list its operations",
)
async def fetch_spec(body: SpecFetchRequest, principal: CurrentPrincipal) -> SpecFetchResponse:
    fetched = client.fetch_spec(body.url)
    return SpecFetchResponse.model_validate({"url": body.url, **fetched.model_dump()})


app = create_app("connectors", router)
