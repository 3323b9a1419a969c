"""The outermost ASGI layer of every group's app.

It runs outside Starlette's own error middleware so that every answer, a 500 included,
carries the request id and the security headers (seed 004's, each configurable by a
SECURITY_HEADER_<NAME> variable, blank to turn it off). It also caps request bodies: FastAPI's
own ``max_body_size`` answers an oversized declared body with plain text, not the
``{detail, request_id}`` body every error must have. Plain ASGI rather than
``BaseHTTPMiddleware``: it adds no task or stream per request on the warm path.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from functools import cache
from typing import Any

from shared.observability import logger

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

Header = tuple[bytes, bytes]

# Seed 004's security headers and their defaults ("": off unless configured). Each is set
# by SECURITY_HEADER_<NAME> (X_FRAME_OPTIONS, ...) in the environment; a blank value turns
# it off.
SECURITY_HEADER_DEFAULTS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "",
}
SECURITY_HEADER_PREFIX = "SECURITY_HEADER_"
# Each header's variable, in the order above (CDK passes an operator's values through).
SECURITY_HEADER_VARIABLES: tuple[str, ...] = tuple(
    SECURITY_HEADER_PREFIX + name.upper().replace("-", "_") for name in SECURITY_HEADER_DEFAULTS
)
# What a header's value may hold: visible ASCII and spaces, never a line break (a value
# that could end the header is refused at start, not sent).
_HEADER_VALUE = re.compile(r"[\x20-\x7e]{0,1024}")


def security_headers(environ: Mapping[str, str] | None = None) -> tuple[Header, ...]:
    """The security headers every answer carries: the defaults, each replaced by its
    SECURITY_HEADER_<NAME> variable when set (blank: the header is not sent). A value
    with a line break or a character outside printable ASCII is refused (ValueError)."""
    given = {key.upper(): value for key, value in (environ or os.environ).items()}
    headers: list[Header] = []
    for (name, default), variable in zip(
        SECURITY_HEADER_DEFAULTS.items(), SECURITY_HEADER_VARIABLES, strict=True
    ):
        value = given.get(variable, default).strip()
        if not _HEADER_VALUE.fullmatch(value):
            raise ValueError(f"{variable}: a header value is printable ASCII, one line")
        if value:
            headers.append((name.lower().encode(), value.encode()))
    return tuple(headers)


@cache
def configured_security_headers() -> tuple[Header, ...]:
    """`security_headers` of this process's environment, read once."""
    return security_headers()


_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _headers_of_interest(scope: Scope) -> tuple[bytes | None, bytes | None]:
    """X-Request-Id and Content-Length, in one pass over the headers."""
    request_id = content_length = None
    for key, value in scope.get("headers", ()):
        if key == b"x-request-id":
            request_id = bytes(value)
        elif key == b"content-length":
            content_length = bytes(value)
    return request_id, content_length


def _request_id(scope: Scope, sent: bytes | None) -> str:
    """The client's X-Request-Id when it is sane, else API Gateway's id, else a new one."""
    if sent is not None:
        text = sent.decode("latin-1")
        if _CLIENT_REQUEST_ID.fullmatch(text):
            return text
    event = scope.get("aws.event")
    if isinstance(event, dict):
        gateway_id = event.get("requestContext", {}).get("requestId")
        if isinstance(gateway_id, str) and gateway_id:
            return gateway_id
    return uuid.uuid4().hex


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: list[Any]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _canonical_path(
    path: str, root_aliases: frozenset[str], root_prefixes: tuple[str, ...] = ()
) -> str | None:
    """`/api/...`, a group's root aliases and the paths under its root prefixes are served
    by the `/api/v1/...` routes."""
    if path.startswith("/api/v1/") or path == "/api/v1":
        return None
    if path.startswith("/api/") or path == "/api":
        return "/api/v1" + path[4:]
    if path in root_aliases or any(
        path == prefix or path.startswith(prefix + "/") for prefix in root_prefixes
    ):
        return "/api/v1" + path
    return None


class KernelMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        root_aliases: frozenset[str] = frozenset(),
        root_prefixes: tuple[str, ...] = (),
        headers: tuple[Header, ...] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.root_aliases = root_aliases
        self.root_prefixes = root_prefixes
        # The security headers (None: those the environment configures).
        self.headers = configured_security_headers() if headers is None else headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent_request_id, declared = _headers_of_interest(scope)
        request_id = _request_id(scope, sent_request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        canonical = _canonical_path(scope["path"], self.root_aliases, self.root_prefixes)
        if canonical is not None:
            # One route table serves both bases: half the routes to build and to match.
            scope["path"] = canonical
            scope["raw_path"] = canonical.encode()
        extra_headers = [*self.headers, (b"x-request-id", request_id.encode())]
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), *extra_headers]
            await send(message)

        too_large = {
            "detail": f"Request body too large (limit {self.max_body_bytes} bytes)",
            "request_id": request_id,
        }
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _send_json(send, 413, too_large, extra_headers)
            return
        if declared is None and scope.get("method") in _BODY_METHODS:
            # A streamed body has no declared length: read it, within the cap, then replay it.
            body, within_cap = await self._read_capped(receive)
            if not within_cap:
                await _send_json(send, 413, too_large, extra_headers)
                return
            receive = _replay(body, receive)

        # A plain key, not a context-scoped one (1 us against 5 us per request): a Lambda
        # process serves one request at a time, and each request sets its own id.
        logger.append_keys(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's error middleware has already answered (and logged) when it
            # re-raises; answer here only if nothing was sent yet.
            if started:
                return
            logger.exception("unhandled error before any response")
            error = {"detail": "Internal server error", "request_id": request_id}
            await _send_json(send, 500, error, extra_headers)

    async def _read_capped(self, receive: Receive) -> tuple[bytes, bool]:
        chunks = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks += message.get("body", b"")
            if len(chunks) > self.max_body_bytes:
                return b"", False
            if not message.get("more_body", False):
                break
        return bytes(chunks), True


def _replay(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
