"""An OpenAPI 3.0/3.1 or Swagger 2.0 document fetched from a URL: read as JSON or YAML,
validated (openapi-spec-validator, references outside the document never followed), its
operations listed, and each operation as an `http` tool an agent can declare."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml
from openapi_spec_validator import (
    OpenAPIV2SpecValidator,
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
)

from shared.connectors import outbound
from shared.connectors.errors import ConnectorError

MAX_SPEC_BYTES = 5 * 1024 * 1024
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
FIELD = "url"


def _refuse(uri: str) -> Any:
    raise ValueError(f"reference {uri!r} is outside the document")


# A `$ref` to another file or URL would make the validator read a file of ours or fetch
# a URL the policy never saw: every handler refuses, so only the document's own refs resolve.
_NO_RETRIEVAL: Any = {scheme: _refuse for scheme in ("<all_urls>", "http", "https", "file")}


class _V2(OpenAPIV2SpecValidator):
    resolver_handlers = _NO_RETRIEVAL


class _V30(OpenAPIV30SpecValidator):
    resolver_handlers = _NO_RETRIEVAL


class _V31(OpenAPIV31SpecValidator):
    resolver_handlers = _NO_RETRIEVAL


def fetch_spec(url: str) -> dict[str, Any]:
    answer = outbound.request(
        "GET",
        url,
        field=FIELD,
        max_bytes=MAX_SPEC_BYTES,
        headers={"accept": "application/json, application/yaml, text/yaml, */*"},
        follow_redirects=True,
    )
    if not 200 <= answer.status < 300:
        raise ConnectorError("upstream", f"{FIELD} answered {answer.status}")
    spec = parse(answer.body)
    version = validate(spec)
    operations = list_operations(spec)
    base = base_url(spec, url)
    info = spec.get("info")
    title = info.get("title") if isinstance(info, dict) else None
    return {
        "version": version,
        "title": str(title or ""),
        "spec": spec,
        "operations": operations,
        "tools": [as_tool(operation, base) for operation in operations],
    }


def parse(body: bytes) -> dict[str, Any]:
    """The document as an object, from JSON or YAML (safe_load: no Python objects)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConnectorError("not_openapi", "the document is not UTF-8 text") from exc
    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConnectorError("not_openapi", "the document is neither JSON nor YAML") from exc
    if not isinstance(document, dict):
        raise ConnectorError("not_openapi", "the document is not a JSON or YAML object")
    return document


def validate(spec: dict[str, Any]) -> str:
    """The document's version ("3.1.0", "2.0"), once it is valid."""
    openapi, swagger = spec.get("openapi"), spec.get("swagger")
    if isinstance(openapi, str) and re.fullmatch(r"3\.0\.\d+", openapi):
        validator: Any = _V30
    elif isinstance(openapi, str) and re.fullmatch(r"3\.1\.\d+", openapi):
        validator = _V31
    elif swagger == "2.0":
        validator = _V2
    else:
        raise ConnectorError(
            "not_openapi",
            "the document is not OpenAPI: it has no `openapi` field of 3.0.x or 3.1.x and "
            "no `swagger` field of 2.0",
        )
    version = str(openapi or swagger)
    name = f"OpenAPI {version}" if openapi else "Swagger 2.0"
    try:
        error = next(iter(validator(spec).iter_errors()), None)
    except Exception as exc:  # an unresolvable reference, a structure the validator chokes on
        raise ConnectorError(
            "invalid_spec", f"the document is not valid {name}: {exc}"[:500]
        ) from exc
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "the root"
        raise ConnectorError(
            "invalid_spec", f"the document is not valid {name}: at {where}: {error.message}"[:500]
        )
    return version


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    """`node` with its local `$ref` followed (a few hops at most)."""
    for _ in range(8):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return node
        target: Any = spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        node = target
    return node


def list_operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    operations: list[dict[str, Any]] = []
    seen: set[str] = set()
    paths = spec.get("paths")
    for path, raw_item in paths.items() if isinstance(paths, dict) else ():
        item = _resolve(spec, raw_item)
        if not isinstance(item, dict):
            continue
        shared = [_resolve(spec, p) for p in item.get("parameters") or []]
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            own = [_resolve(spec, p) for p in operation.get("parameters") or []]
            parameters = _merged(shared, own)
            body = _request_body(spec, operation, parameters)
            operation_id = _unique(
                str(operation.get("operationId") or _derived(method, path)), seen
            )
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "operation_id": operation_id,
                    "summary": str(operation.get("summary") or operation.get("description") or ""),
                    "parameters": [
                        _parameter(spec, p) for p in parameters if p.get("in") in ("path", "query")
                    ],
                    "request_body": body,
                }
            )
    return operations


def _merged(shared: list[Any], own: list[Any]) -> list[dict[str, Any]]:
    """Path-level parameters overridden by the operation's (same name and place)."""
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for parameter in (*shared, *own):
        if isinstance(parameter, dict) and isinstance(parameter.get("name"), str):
            by_key[(parameter["name"], str(parameter.get("in")))] = parameter
    return list(by_key.values())


def _parameter(spec: dict[str, Any], parameter: dict[str, Any]) -> dict[str, Any]:
    # OpenAPI 3 puts the type in `schema`; Swagger 2 on the parameter itself.
    schema = (
        _resolve(spec, parameter.get("schema"))
        if "schema" in parameter
        else {
            key: parameter[key]
            for key in ("type", "format", "enum", "items", "default")
            if key in parameter
        }
    )
    return {
        "name": parameter["name"],
        "in": parameter.get("in"),
        "required": bool(parameter.get("required")) or parameter.get("in") == "path",
        "description": str(parameter.get("description") or ""),
        "schema": schema if isinstance(schema, dict) else {},
    }


def _request_body(
    spec: dict[str, Any], operation: dict[str, Any], parameters: list[dict[str, Any]]
) -> dict[str, Any] | None:
    for parameter in parameters:  # Swagger 2: one `in: body` parameter
        if parameter.get("in") == "body":
            schema = _resolve(spec, parameter.get("schema"))
            return {
                "required": bool(parameter.get("required")),
                "content_type": "application/json",
                "schema": schema if isinstance(schema, dict) else {},
            }
    body = _resolve(spec, operation.get("requestBody"))
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("content"), dict)
        or not body["content"]
    ):
        return None
    content = body["content"]
    content_type = "application/json" if "application/json" in content else next(iter(content))
    media = content[content_type] if isinstance(content[content_type], dict) else {}
    schema = _resolve(spec, media.get("schema"))
    return {
        "required": bool(body.get("required")),
        "content_type": content_type,
        "schema": schema if isinstance(schema, dict) else {},
    }


def _derived(method: str, path: str) -> str:
    """An id for an operation that has none: `get_pets_petId` for GET /pets/{petId}."""
    words = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")
    return f"{method}_{words}" if words else method


def _unique(operation_id: str, seen: set[str]) -> str:
    candidate, number = operation_id, 2
    while candidate in seen:
        candidate, number = f"{operation_id}_{number}", number + 1
    seen.add(candidate)
    return candidate


def base_url(spec: dict[str, Any], spec_url: str) -> str:
    """Where the operations' paths are, absolute (a relative server resolved against the
    document's own URL, server variables at their defaults)."""
    if "swagger" in spec:
        parts = urlsplit(spec_url)
        schemes = spec.get("schemes") or [parts.scheme]
        scheme = "https" if "https" in schemes else str(schemes[0])
        host = str(spec.get("host") or parts.netloc)
        return f"{scheme}://{host}{str(spec.get('basePath') or '').rstrip('/')}"
    servers = spec.get("servers")
    server = (
        servers[0] if isinstance(servers, list) and servers and isinstance(servers[0], dict) else {}
    )
    url = str(server.get("url") or "/")
    for name, variable in (server.get("variables") or {}).items():
        if isinstance(variable, dict):
            url = url.replace("{" + str(name) + "}", str(variable.get("default", "")))
    return urljoin(spec_url, url).rstrip("/")


def as_tool(operation: dict[str, Any], base: str) -> dict[str, Any]:
    """The operation as an `http` tool (agents15.md): its arguments are its path and query
    parameters and, for a JSON object body, the body's properties."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for parameter in operation["parameters"]:
        schema = dict(parameter["schema"])
        if parameter["description"] and "description" not in schema:
            schema["description"] = parameter["description"]
        properties[parameter["name"]] = schema
        if parameter["required"]:
            required.append(parameter["name"])
    body = operation["request_body"]
    if body is not None:
        schema = body["schema"]
        if schema.get("type") == "object" and isinstance(schema.get("properties"), dict):
            properties.update(schema["properties"])
            required += [name for name in schema.get("required") or [] if isinstance(name, str)]
        else:
            properties["body"] = schema
            if body["required"]:
                required.append("body")
    input_schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        input_schema["required"] = list(dict.fromkeys(required))
    return {
        "type": "http",
        "name": operation["operation_id"],
        "method": operation["method"],
        "url": base + operation["path"],
        "description": operation["summary"],
        "input_schema": input_schema,
    }
