"""What the connector_runner worker does with one payload (`op` and its fields), answered as
a status object: `{"status": "ok", "result": ...}` or `{"status": "error", "error": <kind>,
"detail": ...}` (shared.connectors.errors), never a raised error, so the caller can tell a
team's unreachable server (its problem) from a failure of ours.

The worker reaches only the URLs it is given, through the URL policy. Its one grant is
reading the team's vault secrets that an MCP `auth_token` or an HTTP tool's `headers` use by
name (`{{secrets.NAME}}`, resolved here, just before the request): no value travels in a
payload, and every value used is masked in what the worker answers (a server may echo it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.connectors.errors import ConnectorError
from shared.observability import logger


def handle(event: Mapping[str, Any]) -> dict[str, Any]:
    op = event.get("op")
    run = _OPS.get(op) if isinstance(op, str) else None
    used: list[str] = []
    try:
        if run is None:
            raise ConnectorError("invalid", f"unknown op {op!r}: one of {', '.join(sorted(_OPS))}")
        result = run(_with_secrets(event, used))
        return {"status": "ok", "result": _masked(result, used)}
    except ConnectorError as exc:
        return {"status": "error", "error": exc.kind, "detail": _masked(exc.detail, used)}
    except Exception as exc:  # a bug of ours: logged, and answered without its text
        logger.exception("connector_runner failed", extra={"op": op})
        return {"status": "error", "error": "internal", "detail": type(exc).__name__}


def _with_secrets(event: Mapping[str, Any], used: list[str]) -> Mapping[str, Any]:
    """`event` with the secrets its `auth_token` and its tool's `headers` name resolved for
    its `team_id` (the values put in are added to `used`)."""
    resolved = dict(event)
    token = event.get("auth_token")
    if isinstance(token, str):
        resolved["auth_token"] = _resolved(event, token, used)
    tool = event.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("headers"), dict):
        headers = {
            str(name): _resolved(event, value, used) if isinstance(value, str) else value
            for name, value in tool["headers"].items()
        }
        resolved["tool"] = {**tool, "headers": headers}
    return resolved


def _resolved(event: Mapping[str, Any], text: str, used: list[str]) -> str:
    if "{{" not in text:
        return text
    from shared.errors import DomainError
    from shared.vault import references

    if not references.references_in(text):
        return text
    team_id = event.get("team_id")
    if not isinstance(team_id, str) or not team_id:
        raise ConnectorError("invalid", "a secret reference needs the team it belongs to")
    try:
        resolution = references.resolve(team_id, text)
    except DomainError as exc:  # an unknown name (422), the vault unavailable (503)
        raise ConnectorError("invalid", str(exc.detail)) from None
    used.extend(resolution.values)
    return resolution.text


def _masked(value: Any, used: list[str]) -> Any:
    if not used:
        return value
    from shared.vault.references import redact_within

    return redact_within(value, used)


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
