"""Request and response shapes of /mcp/tools and /specs/fetch (seed 002's names: `mcp_url`,
`auth_token`, `url`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.request_fields import NOT_SPACE

MAX_URL_CHARS = 2048
MAX_TOKEN_CHARS = 4096
# An http(s) URL without spaces; the outbound policy says the rest (422 naming why).
Url = Annotated[
    str,
    StringConstraints(min_length=8, max_length=MAX_URL_CHARS, pattern=rf"^https?://{NOT_SPACE}+$"),
]


class McpToolsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    mcp_url: Url = Field(description="The MCP server's Streamable HTTP endpoint")
    auth_token: (
        Annotated[
            str,
            StringConstraints(min_length=1, max_length=MAX_TOKEN_CHARS, pattern=rf"^{NOT_SPACE}+$"),
        ]
        | None
    ) = Field(
        default=None,
        description="Sent as `Authorization: Bearer <auth_token>`; `{{secrets.NAME}}` uses "
        "the team's secret NAME (resolved by the connector, never answered)",
    )


class McpToolPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    name: str
    description: str
    input_schema: dict[str, Any]


class McpToolsResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    mcp_url: str
    tools: list[McpToolPublic]


class SpecFetchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    url: Url = Field(description="Where the OpenAPI 3.x or Swagger 2.0 document is (JSON or YAML)")


class OperationPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    method: str
    path: str
    operation_id: str
    summary: str
    parameters: list[dict[str, Any]]
    request_body: dict[str, Any] | None


class SpecFetchResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    url: str
    version: str = Field(
        description='The document\'s `openapi` or `swagger` version ("3.1.0", "2.0")'
    )
    title: str
    spec: dict[str, Any] = Field(description="The document as fetched")
    operations: list[OperationPublic]
    tools: list[dict[str, Any]] = Field(
        description="Each operation as an `http` tool an agent can declare "
        "(type, name, method, url, description, input_schema)"
    )
