"""Real servers on loopback for the connectors' tests: an MCP server (the official SDK's
MCPServer, its Streamable HTTP app under uvicorn) and an HTTP server of OpenAPI documents
and the API they describe. Each runs in a background thread on 127.0.0.1, port 0."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """`app` under uvicorn on 127.0.0.1 until the block ends: its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # the server's own start, not a clock we drive
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the loopback server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def mcp_app(seen_authorization: list[str]) -> Any:
    """An MCP server with two tools and one that fails; every request's Authorization
    header is recorded in `seen_authorization`."""
    server = MCPServer("connectors-test")

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    def shout(text: str) -> str:
        """Upper-case a text."""
        return text.upper()

    @server.tool()
    def broken() -> str:
        """Always fails."""
        raise ValueError("the tool broke")

    inner = server.streamable_http_app()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            seen_authorization.append(headers.get(b"authorization", b"").decode())
        await inner(scope, receive, send)

    return app


PETS_31 = {
    "openapi": "3.1.0",
    "info": {"title": "Pets", "version": "1.0.0"},
    "servers": [{"url": "/api"}],
    "paths": {
        "/pets/{petId}": {
            "parameters": [
                {"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "operationId": "getPet",
                "summary": "One pet",
                "parameters": [{"name": "verbose", "in": "query", "schema": {"type": "boolean"}}],
                "responses": {"200": {"description": "the pet"}},
            },
        },
        "/pets": {
            "post": {
                "summary": "Add a pet",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}
                    },
                },
                "responses": {"201": {"description": "added"}},
            }
        },
        "/broken": {"get": {"operationId": "broken", "responses": {"200": {"description": "no"}}}},
    },
    "components": {
        "schemas": {
            "NewPet": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            }
        }
    },
}

SWAGGER_YAML = """\
swagger: "2.0"
info:
  title: Legacy
  version: "2"
host: legacy.example
basePath: /v2
schemes: [https]
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - name: limit
          in: query
          type: integer
      responses:
        "200":
          description: items
"""

# 5 MB and one byte, streamed (no Content-Length): the cap is met while reading.
OVERSIZED_BYTES = 5 * 1024 * 1024 + 1


def spec_app() -> Any:
    async def oversized(request: Request) -> Response:
        async def chunks() -> Any:
            left = OVERSIZED_BYTES
            while left > 0:
                size = min(left, 64 * 1024)
                left -= size
                yield b" " * size

        return StreamingResponse(chunks(), media_type="application/json")

    async def pet(request: Request) -> Response:
        return JSONResponse(
            {"id": request.path_params["pet_id"], "query": dict(request.query_params)}
        )

    async def add_pet(request: Request) -> Response:
        return JSONResponse({"added": await request.json()}, status_code=201)

    external = {
        **PETS_31,
        "paths": {
            "/x": {"get": {"responses": {"200": {"$ref": "file:///etc/passwd"}}}},
        },
    }
    routes = [
        Route("/openapi.json", lambda r: JSONResponse(PETS_31)),
        Route(
            "/swagger.yaml",
            lambda r: PlainTextResponse(SWAGGER_YAML, media_type="application/yaml"),
        ),
        Route("/not-openapi.json", lambda r: JSONResponse({"hello": "world"})),
        Route("/invalid.json", lambda r: JSONResponse({"openapi": "3.1.0", "paths": {}})),
        Route("/external-ref.json", lambda r: JSONResponse(external)),
        Route("/moved", lambda r: RedirectResponse("/openapi.json")),
        Route("/missing.json", lambda r: JSONResponse({"detail": "no"}, status_code=404)),
        Route("/oversized.json", oversized),
        Route("/api/pets/{pet_id}", pet),
        Route("/api/pets", add_pet, methods=["POST"]),
        Route("/api/broken", lambda r: JSONResponse({"detail": "down"}, status_code=500)),
    ]
    return Starlette(routes=routes)
