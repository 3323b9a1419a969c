"""A team's MCP server over Streamable HTTP, with the official `mcp` SDK: its tools listed,
one called. Every request the SDK sends goes through the URL policy again (a transport that
pins each one, as shared.url_policy.pinned_request says), within a timeout; every failure
is a ConnectorError.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import StreamableHTTPError, streamable_http_client
from mcp.shared.exceptions import MCPError

from shared.connectors import outbound
from shared.connectors.errors import ConnectorError
from shared.run_async import run_to_end

FIELD = "mcp_url"
# A request's own wait, and the whole session's (connect, initialize, the call, the close).
REQUEST_SECONDS = 10.0
SESSION_SECONDS = 20.0
MAX_PAGES = 10
# A tool's result goes back to the caller (and into the sandbox): text past this is cut.
MAX_RESULT_CHARS = 256 * 1024


class _PinnedTransport(httpx2.AsyncBaseTransport):
    """Each request the SDK makes checked by the URL policy now and, deployed, sent to the
    address just checked (the name kept for Host and TLS)."""

    def __init__(self) -> None:
        self._inner = httpx2.AsyncHTTPTransport(retries=0)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        target = outbound.pinned(str(request.url), FIELD)
        if target.headers:  # strict: connect to the checked address
            request.url = httpx2.URL(target.url)
            request.headers["Host"] = target.headers["Host"]
            request.extensions = {**request.extensions, **target.extensions}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def list_tools(mcp_url: str, auth_token: str | None) -> list[dict[str, Any]]:
    """Every tool the server lists: name, description, input schema."""

    async def listing(session: ClientSession) -> list[dict[str, Any]]:
        tools: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            from mcp_types import PaginatedRequestParams

            params = None if cursor is None else PaginatedRequestParams(cursor=cursor)
            page = await session.list_tools(params=params)
            tools += [
                {
                    "name": tool.name,
                    "description": tool.description or "",
                    "input_schema": tool.input_schema,
                }
                for tool in page.tools
            ]
            cursor = page.next_cursor
            if cursor is None:
                break
        return tools

    return run_to_end(lambda: _session(mcp_url, auth_token, listing))


def call_tool(mcp_url: str, auth_token: str | None, name: str, arguments: dict[str, Any]) -> Any:
    """The tool's result as JSON: its structured content when it gives one, else its content
    (text as text); a result the server marks as an error is a `tool_error`."""

    async def calling(session: ClientSession) -> Any:
        result = await session.call_tool(name, arguments, read_timeout_seconds=REQUEST_SECONDS)
        blocks = [_block(block) for block in result.content]
        if result.is_error:
            text = " ".join(block for block in blocks if isinstance(block, str)) or "no detail"
            raise ConnectorError("tool_error", f"MCP tool {name!r} failed: {text[:500]}")
        if result.structured_content is not None:
            return result.structured_content
        return blocks[0] if len(blocks) == 1 else blocks

    return run_to_end(lambda: _session(mcp_url, auth_token, calling))


def _block(block: Any) -> Any:
    if getattr(block, "type", None) == "text":
        return str(block.text)[:MAX_RESULT_CHARS]
    return block.model_dump(mode="json", by_alias=True, exclude_none=True)


async def _session[T](
    mcp_url: str, auth_token: str | None, work: Callable[[ClientSession], Awaitable[T]]
) -> T:
    outbound.pinned(mcp_url, FIELD)  # refused before any connection is made
    headers = {"user-agent": outbound.USER_AGENT}
    if auth_token:
        headers["authorization"] = f"Bearer {auth_token}"
    try:
        with anyio.fail_after(SESSION_SECONDS):
            async with (
                httpx2.AsyncClient(
                    transport=_PinnedTransport(),
                    headers=headers,
                    timeout=httpx2.Timeout(REQUEST_SECONDS),
                ) as http,
                streamable_http_client(mcp_url.strip(), http_client=http) as (read, write),
                ClientSession(read, write, read_timeout_seconds=REQUEST_SECONDS) as session,
            ):
                await session.initialize()
                return await work(session)
    except BaseException as exc:
        raise _failure(exc) from exc


def _failure(exc: BaseException) -> BaseException:
    """The ConnectorError an SDK failure stands for (one inside an exception group found)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, (TimeoutError, httpx2.TimeoutException)):
        return ConnectorError("timeout", f"{FIELD} did not answer within {SESSION_SECONDS:g} s")
    if isinstance(exc, MCPError):
        return ConnectorError("upstream", f"the MCP server answered an error: {str(exc)[:300]}")
    if isinstance(exc, (httpx2.HTTPError, StreamableHTTPError, OSError, anyio.ClosedResourceError)):
        return ConnectorError(
            "unreachable", f"{FIELD} could not be reached as an MCP server ({type(exc).__name__})"
        )
    if isinstance(exc, Exception):
        return ConnectorError(
            "unreachable", f"{FIELD} did not answer as an MCP server ({type(exc).__name__})"
        )
    return exc  # KeyboardInterrupt, cancellation: not ours to turn into an answer
