"""A deployment's own OpenAPI 3.1 document (`GET /rest/<friendly_name>/openapi.json`): one
operation, `POST <url>`, whose request and answer are the agent's input and output
schemas (any JSON where it has none), with the statuses the call can answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from shared.agents.schemas import Agent
from shared.deployments.domain import Deployment

_ERROR = {
    "type": "object",
    "properties": {"detail": {}, "request_id": {"type": "string"}},
    "required": ["detail"],
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


def document(deployment: Deployment, agent: Agent) -> dict[str, Any]:
    parts = urlsplit(deployment.url)
    server = f"{parts.scheme}://{parts.netloc}" if parts.netloc else "/"
    path = parts.path or f"/api/v1/rest/{deployment.friendly_name}"
    operation: dict[str, Any] = {
        "operationId": deployment.friendly_name.replace("-", "_"),
        "summary": agent.name,
        "description": agent.docstring or agent.description or agent.name,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": agent.input_schema or {}}},
        },
        "responses": {
            "200": {
                "description": "What the agent answered",
                "content": {"application/json": {"schema": agent.output_schema or {}}},
            },
            "402": _error("A model call of the agent would go over its team's spending limit"),
            "404": _error("No deployed API by this name"),
            "422": _error(
                "The input does not match the input schema, or the agent failed (the detail "
                "names why)"
            ),
            "429": _error("Over the rate limit or the monthly quota (see Retry-After)"),
            "503": _error("The sandbox did not answer"),
        },
    }
    components: dict[str, Any] = {}
    if not deployment.public:
        operation["security"] = [{"apiKey": []}, {"bearer": []}]
        operation["responses"]["401"] = _error("The API key is missing or not this API's")
        components["securitySchemes"] = {
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "bearer": {"type": "http", "scheme": "bearer"},
        }
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": agent.name,
            "version": deployment.created_at.strftime("%Y%m%d%H%M%S"),
            "description": agent.description or f"The deployed agent '{deployment.friendly_name}'",
        },
        "servers": [{"url": server}],
        "paths": {path: {"post": operation}},
    }
    if components:
        doc["components"] = components
    return doc
