"""The tools a code agent declares (agents15's convention), as requests give them: the
agents' code form and POST /agents/run-code take the same list.

- `{"type": "llm", "name": "llm"}`: the team's model through the router, always there as
  `tools.llm` (declaring it is optional).
- `{"type": "mcp", "name", "mcp_url", "auth_token"?}`: a tool of a remote MCP server
  (POST /mcp/tools lists them).
- `{"type": "http", "name", "method", "url", "description"?, "input_schema"?}`: an operation
  of an imported OpenAPI document (POST /specs/fetch lists them).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ToolName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
MAX_TOOLS = 64


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


Tool = Annotated[LlmTool | McpTool | HttpTool, Field(discriminator="type")]
