"""Asking the connector_runner worker, for the groups that need a team's MCP server or an
imported API (the connectors routes; the sandbox's broker for the tools code calls): the
only function that talks to them, with the URL policy and its own timeout. `team_id` names
whose secrets an MCP `auth_token` or an HTTP tool's `headers` may use by name
(`{{secrets.NAME}}`): the worker resolves them, so no value travels in the payload.

Each function raises the project's errors: 422 for a URL the policy refuses, a document
that is not OpenAPI, an argument or a tool's failure; 413 for an answer over the cap; 502
for a server that cannot be reached or answers an error; 504 for one that does not answer
in time; 503 when the worker itself does not answer.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.connectors.errors import raise_for
from shared.errors import ServiceUnavailable

WORKER = "connector_runner"
# The worker's own timeout (functions/registry.py) and its start.
INVOKE_TIMEOUT_SECONDS = 32.0


class McpTool(BaseModel):
    model_config = ConfigDict(defer_build=True)

    name: str
    description: str = ""
    input_schema: dict[str, Any] = {}


class Operation(BaseModel):
    model_config = ConfigDict(defer_build=True)

    method: str
    path: str
    operation_id: str
    summary: str = ""
    parameters: list[dict[str, Any]] = []
    request_body: dict[str, Any] | None = None


class FetchedSpec(BaseModel):
    """A validated OpenAPI 3.x / Swagger 2.0 document, its operations, and each operation as
    an `http` tool an agent can declare."""

    model_config = ConfigDict(defer_build=True)

    version: str
    title: str
    spec: dict[str, Any]
    operations: list[Operation]
    tools: list[dict[str, Any]]


def _ask(payload: dict[str, Any]) -> Any:
    from shared.invoke import InvocationFailed, invoke_worker

    try:
        answer = invoke_worker(WORKER, payload, timeout_seconds=INVOKE_TIMEOUT_SECONDS)
    except InvocationFailed as exc:
        raise ServiceUnavailable("the connector did not answer") from exc
    raise_for(answer)
    return answer.get("result")


def list_mcp_tools(
    mcp_url: str, auth_token: str | None = None, *, team_id: str | None = None
) -> list[McpTool]:
    result = _ask(
        {"op": "list_tools", "mcp_url": mcp_url, "auth_token": auth_token, "team_id": team_id}
    )
    return [McpTool.model_validate(tool) for tool in result or []]


def call_mcp_tool(
    mcp_url: str,
    auth_token: str | None,
    name: str,
    arguments: dict[str, Any],
    *,
    team_id: str | None = None,
) -> Any:
    return _ask(
        {
            "op": "call_tool",
            "mcp_url": mcp_url,
            "auth_token": auth_token,
            "name": name,
            "arguments": arguments,
            "team_id": team_id,
        }
    )


def fetch_spec(url: str) -> FetchedSpec:
    return FetchedSpec.model_validate(_ask({"op": "fetch_spec", "url": url}))


def call_operation(
    tool: dict[str, Any], arguments: dict[str, Any], *, team_id: str | None = None
) -> Any:
    return _ask({"op": "call_operation", "tool": tool, "arguments": arguments, "team_id": team_id})
