"""The tools a code agent declares (agents15's convention), as requests give them: the
agents' code form and POST /agents/run-code take the same list.

- `{"type": "llm", "name": "llm"}`: the team's model through the router, always there as
  `tools.llm` (declaring it is optional).
- `{"type": "mcp", "name", "mcp_url", "auth_token"?}`: a tool of a remote MCP server
  (POST /mcp/tools lists them).
- `{"type": "http", "name", "method", "url", "description"?, "input_schema"?, "headers"?}`:
  an operation of an imported OpenAPI document (POST /specs/fetch lists them), sent with
  `headers` (an API key's, say).

An `auth_token` and the `headers`' values may use the team's secrets by name
(`{{secrets.NAME}}`, shared.vault.references): the names are checked when an agent is
stored (422) and resolved by the connector runner when the tool is called, so the value
is never in the agent, a payload or an answer.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ToolName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
MAX_TOOLS = 64
# An HTTP field name (RFC 9110 token) and a value on one line.
HeaderName = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
]
HeaderValue = Annotated[str, StringConstraints(max_length=4096, pattern=r"^[^\r\n]*$")]
MAX_HEADERS = 20


class LlmTool(BaseModel):
    """The team's model through the router: always there as `tools.llm`."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["llm"]
    name: ToolName = "llm"


class McpTool(BaseModel):
    """A tool of a remote MCP server (POST /mcp/tools lists them)."""

    model_config = ConfigDict(extra="allow")

    type: Literal["mcp"]
    name: ToolName
    mcp_url: Url
    auth_token: Annotated[str, StringConstraints(max_length=4096)] | None = None


class HttpTool(BaseModel):
    """An operation of an imported OpenAPI document (POST /specs/fetch lists them)."""

    model_config = ConfigDict(extra="allow")

    type: Literal["http"]
    name: ToolName
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    url: Url
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None
    input_schema: dict[str, Any] | None = None
    headers: Annotated[dict[HeaderName, HeaderValue], Field(max_length=MAX_HEADERS)] | None = Field(
        default=None, description="sent with each call; values may be {{secrets.NAME}}"
    )


Tool = Annotated[LlmTool | McpTool | HttpTool, Field(discriminator="type")]


def secret_bearing(tools: list[Any] | None) -> list[Any]:
    """What of `tools` (as stored: dicts) may use secrets by name: each MCP tool's
    `auth_token`, each HTTP tool's `headers`."""
    found: list[Any] = []
    for tool in tools or []:
        if isinstance(tool, dict):
            found += [tool[key] for key in ("auth_token", "headers") if tool.get(key)]
    return found
