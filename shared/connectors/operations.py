"""One operation of an imported API, as an agent's `http` tool declares it: path parameters
filled from the arguments, the rest sent as the query (GET, DELETE, HEAD) or as a JSON body,
through the URL policy, its answer capped and read as JSON (else text)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from shared.connectors import outbound
from shared.connectors.errors import ConnectorError

MAX_ANSWER_BYTES = 1024 * 1024
QUERY_METHODS = ("GET", "DELETE", "HEAD", "OPTIONS")
METHODS = (*QUERY_METHODS, "POST", "PUT", "PATCH")
_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")
FIELD = "the tool's url"


def call_operation(tool: dict[str, Any], arguments: dict[str, Any]) -> Any:
    name = str(tool.get("name") or "http")
    method = str(tool.get("method") or "").upper()
    url = tool.get("url")
    if tool.get("type", "http") != "http" or method not in METHODS or not isinstance(url, str):
        raise ConnectorError(
            "invalid",
            f"tool {name!r}: an http tool needs a method ({', '.join(METHODS)}) and a url",
        )
    rest = dict(arguments)
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        value = rest.pop(match.group(1), None)
        if value is None:
            missing.append(match.group(1))
            return ""
        return quote(value if isinstance(value, str) else json.dumps(value), safe="")

    filled = _PLACEHOLDER.sub(fill, url)
    if missing:
        raise ConnectorError(
            "invalid", f"tool {name!r}: no value for path parameter(s) {', '.join(missing)}"
        )
    params: dict[str, str] | None = None
    body: Any = None
    if method in QUERY_METHODS:
        params = {key: _text(value) for key, value in rest.items() if value is not None}
    elif set(rest) == {"body"} and _declares_body(tool):
        body = rest["body"]
    elif rest:
        body = rest
    answer = outbound.request(
        method,
        filled,
        field=FIELD,
        max_bytes=MAX_ANSWER_BYTES,
        params=params or None,
        json_body=body,
        headers={"accept": "application/json", **_headers(tool)},
    )
    text = answer.body.decode("utf-8", errors="replace")
    if not 200 <= answer.status < 300:
        raise ConnectorError(
            "upstream", f"tool {name!r}: the API answered {answer.status}: {text[:300]}"
        )
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _headers(tool: dict[str, Any]) -> dict[str, str]:
    """The tool's own headers (an API key's, say: its secrets resolved by the worker)."""
    given = tool.get("headers")
    if not isinstance(given, dict):
        return {}
    return {str(name): str(value) for name, value in given.items() if isinstance(value, str)}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _declares_body(tool: dict[str, Any]) -> bool:
    schema = tool.get("input_schema")
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return isinstance(properties, dict) and "body" in properties
