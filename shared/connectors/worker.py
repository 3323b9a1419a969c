"""What the connector_runner worker does with one payload (`op` and its fields), answered as
a status object: `{"status": "ok", "result": ...}` or `{"status": "error", "error": <kind>,
"detail": ...}` (shared.connectors.errors), never a raised error, so the caller can tell a
team's unreachable server (its problem) from a failure of ours.

The worker holds no grants: it reaches only the URLs it is given, through the URL policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.connectors.errors import ConnectorError
from shared.observability import logger


def handle(event: Mapping[str, Any]) -> dict[str, Any]:
    op = event.get("op")
    run = _OPS.get(op) if isinstance(op, str) else None
    try:
        if run is None:
            raise ConnectorError("invalid", f"unknown op {op!r}: one of {', '.join(sorted(_OPS))}")
        return {"status": "ok", "result": run(event)}
    except ConnectorError as exc:
        return {"status": "error", "error": exc.kind, "detail": exc.detail}
    except Exception as exc:  # a bug of ours: logged, and answered without its text
        logger.exception("connector_runner failed", extra={"op": op})
        return {"status": "error", "error": "internal", "detail": type(exc).__name__}


def _text(event: Mapping[str, Any], name: str, *, optional: bool = False) -> str | None:
    value = event.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConnectorError("invalid", f"{name} must be a non-empty string")
    return value


def _object(event: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = event.get(name, {})
    if not isinstance(value, dict):
        raise ConnectorError("invalid", f"{name} must be an object")
    return value


def _list_tools(event: Mapping[str, Any]) -> Any:
    from shared.connectors import mcp_servers

    return mcp_servers.list_tools(
        str(_text(event, "mcp_url")), _text(event, "auth_token", optional=True)
    )


def _call_tool(event: Mapping[str, Any]) -> Any:
    from shared.connectors import mcp_servers

    return mcp_servers.call_tool(
        str(_text(event, "mcp_url")),
        _text(event, "auth_token", optional=True),
        str(_text(event, "name")),
        _object(event, "arguments"),
    )


def _fetch_spec(event: Mapping[str, Any]) -> Any:
    from shared.connectors import specs

    return specs.fetch_spec(str(_text(event, "url")))


def _call_operation(event: Mapping[str, Any]) -> Any:
    from shared.connectors import operations

    return operations.call_operation(_object(event, "tool"), _object(event, "arguments"))


_OPS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "list_tools": _list_tools,
    "call_tool": _call_tool,
    "fetch_spec": _fetch_spec,
    "call_operation": _call_operation,
}
