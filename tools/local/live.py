"""What API Gateway's WebSocket API does, locally: `/ws` on a loopback port.

Each socket's handshake, message and close becomes the API Gateway WebSocket event of
its route (`$connect` with the query string, `$default` with the message, `$disconnect`)
and goes to the socket function's handler (functions.registry SOCKETS) through emulated
Lambda, exactly as deployed: a `$connect` answered with anything but 200 refuses the
handshake with that status, and a message's answer `body` is the reply (a two-way route).

The Management API the functions call (`POST`/`GET`/`DELETE /ws/@connections/{id}`) is
served on a second loopback port, over plain HTTP, so boto3's `apigatewaymanagementapi`
client reaches it unchanged through its endpoint URL: `running()` sets LIVE_URL and
LIVE_CONNECTIONS_URL (shared/live/endpoints.py) while it serves. A post to a socket that
is gone answers 410 GoneException, as API Gateway does.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from shared.live.endpoints import CONNECTIONS_URL_VARIABLE, LIVE_URL_VARIABLE
from shared.settings import Settings
from tools.local.emulator import invoke

logger = logging.getLogger(__name__)

# The stage name and so the path clients connect to: wss://<api>.../ws deployed.
STAGE = "ws"
# API Gateway's limit for a WebSocket message (frames of 32 KB up to 128 KB).
MAX_MESSAGE_BYTES = 128 * 1024
# How long the management server waits for a send to reach the socket.
SEND_TIMEOUT_SECONDS = 5.0


def new_connection_id() -> str:
    """An id shaped like API Gateway's (`L0SM9cOFvHcCIhw=`), safe in a URL path."""
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()


def _now_ms() -> int:
    return int(time.time() * 1000)


class LocalLive:
    """The WebSocket API and its Management API, served from one background thread."""

    def __init__(self, settings: Settings, *, host: str = "127.0.0.1", port: int = 0) -> None:
        from functions.registry import SOCKETS

        self.settings = settings
        self.host = host
        self.port = port
        socket_function = next(spec for spec in SOCKETS if "$connect" in spec.routes)
        self.function_name = f"{settings.resource_prefix}-{socket_function.name}"
        self._sockets: dict[str, ServerConnection] = {}
        # Notified when a socket is gone and its $disconnect has run (`wait_idle`).
        self._changed = threading.Condition()
        self._connected_at: dict[str, int] = {}
        # Each connection's client address: API Gateway's requestContext.identity.sourceIp.
        self._addresses: dict[str, str] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._management: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/{STAGE}"

    @property
    def connections_url(self) -> str:
        assert self._management is not None, "not running"
        host, port = self._management.server_address[:2]
        return f"http://{host!s}:{port}/{STAGE}"

    @property
    def open_connections(self) -> tuple[str, ...]:
        return tuple(self._sockets)

    # --- the WebSocket side (API Gateway's routes) -----------------------------------

    def _event(self, route: str, connection_id: str, **extra: Any) -> dict[str, Any]:
        kind = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE")
        return {
            "requestContext": {
                "routeKey": route,
                "eventType": kind,
                "connectionId": connection_id,
                "connectedAt": self._connected_at.get(connection_id, _now_ms()),
                "requestTimeEpoch": _now_ms(),
                "requestId": str(uuid.uuid4()),
                "domainName": f"{self.host}:{self.port}",
                "stage": STAGE,
                "apiId": "local",
                "identity": {"sourceIp": self._addresses.get(connection_id, "")},
            },
            "isBase64Encoded": False,
            **extra,
        }

    async def _invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        # The handler is synchronous (boto3, PynamoDB): off the loop, which keeps serving
        # the management server's sends meanwhile.
        answer = await asyncio.to_thread(invoke, self.function_name, event)
        return answer if isinstance(answer, dict) else {}

    async def _handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path)
        if path.path.rstrip("/") != f"/{STAGE}":
            return connection.respond(HTTPStatus.NOT_FOUND, "Not Found\n")
        connection_id = new_connection_id()
        self._connected_at[connection_id] = _now_ms()
        peer = connection.remote_address
        self._addresses[connection_id] = str(peer[0]) if peer else ""
        query = dict(parse_qsl(path.query, keep_blank_values=True)) or None
        headers = {name: value for name, value in request.headers.raw_items()}
        try:
            answer = await self._invoke(
                self._event("$connect", connection_id, queryStringParameters=query, headers=headers)
            )
        except Exception:
            logger.exception("$connect failed")
            answer = {"statusCode": 500}
        status = int(answer.get("statusCode", 500))
        if status != 200:
            self._forget(connection_id)
            return connection.respond(HTTPStatus(status), f"{HTTPStatus(status).phrase}\n")
        connection.connection_id = connection_id  # type: ignore[attr-defined]
        return None

    async def _serve_socket(self, connection: ServerConnection) -> None:
        connection_id: str = connection.connection_id  # type: ignore[attr-defined]
        self._sockets[connection_id] = connection
        try:
            async for message in connection:
                body = message if isinstance(message, str) else message.decode("utf-8", "replace")
                try:
                    answer = await self._invoke(self._event("$default", connection_id, body=body))
                except Exception:
                    logger.exception("$default failed")
                    # API Gateway's own answer to a failed integration.
                    answer = {"body": json.dumps({"message": "Internal server error"})}
                if answer.get("body") is not None:
                    await connection.send(str(answer["body"]))
        except ConnectionClosed:
            pass
        finally:
            self._sockets.pop(connection_id, None)
            try:
                await self._invoke(self._event("$disconnect", connection_id))
            except Exception:
                logger.exception("$disconnect failed")
            self._forget(connection_id)

    def _forget(self, connection_id: str) -> None:
        with self._changed:
            self._connected_at.pop(connection_id, None)
            self._addresses.pop(connection_id, None)
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Whether every socket closed and ran its $disconnect within `timeout` seconds
        (tests wait on this instead of sleeping)."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._connected_at, timeout)

    # --- the Management API ------------------------------------------------------------

    def _on_loop(self, coroutine: Any) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(SEND_TIMEOUT_SECONDS)

    def post(self, connection_id: str, data: bytes) -> bool:
        socket = self._sockets.get(connection_id)
        if socket is None:
            return False
        try:
            self._on_loop(socket.send(data.decode("utf-8", "replace")))
        except ConnectionClosed:
            return False
        return True

    def close(self, connection_id: str) -> bool:
        socket = self._sockets.get(connection_id)
        if socket is None:
            return False
        self._on_loop(socket.close())
        return True

    def describe(self, connection_id: str) -> dict[str, Any] | None:
        socket = self._sockets.get(connection_id)
        if socket is None:
            return None
        address = socket.remote_address
        connected = self._connected_at.get(connection_id, _now_ms())
        return {
            "ConnectedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(connected / 1000)),
            "Identity": {"SourceIp": str(address[0]) if address else ""},
        }

    def _management_handler(self) -> type[BaseHTTPRequestHandler]:
        live = self
        prefix = f"/{STAGE}/@connections/"

        class ManagementHandler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("management API: " + format, *args)

            def _connection_id(self) -> str | None:
                path = unquote(urlsplit(self.path).path)
                if not path.startswith(prefix) or len(path) == len(prefix):
                    self._answer(404, {"message": "Not Found"})
                    return None
                return path[len(prefix) :]

            def _answer(self, status: int, body: dict[str, Any] | None = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if status == 410:
                    self.send_header("x-amzn-ErrorType", "GoneException")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _gone(self) -> None:
                self._answer(410, {"message": "GoneException"})

            def do_POST(self) -> None:
                if (connection_id := self._connection_id()) is None:
                    return
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if len(data) > MAX_MESSAGE_BYTES:
                    self._answer(413, {"message": "Message too long"})
                elif live.post(connection_id, data):
                    self._answer(200)
                else:
                    self._gone()

            def do_DELETE(self) -> None:
                if (connection_id := self._connection_id()) is None:
                    return
                if live.close(connection_id):
                    self._answer(204)
                else:
                    self._gone()

            def do_GET(self) -> None:
                if (connection_id := self._connection_id()) is None:
                    return
                described = live.describe(connection_id)
                if described is None:
                    self._gone()
                else:
                    self._answer(200, described)

        return ManagementHandler

    # --- running -----------------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[LocalLive]:
        """Serve both sides from background threads; LIVE_URL and LIVE_CONNECTIONS_URL
        point at them meanwhile."""
        from shared.live.connections import forget_clients

        started = threading.Event()
        failure: list[BaseException] = []
        stop: asyncio.Event | None = None

        async def main() -> None:
            nonlocal stop
            stop = asyncio.Event()
            try:
                async with serve(
                    self._serve_socket,
                    self.host,
                    self.port,
                    process_request=self._handshake,
                    max_size=MAX_MESSAGE_BYTES,
                ) as server:
                    self._server = server
                    self.port = server.sockets[0].getsockname()[1]
                    started.set()
                    await stop.wait()
            except BaseException as exc:
                failure.append(exc)
                started.set()

        loop = asyncio.new_event_loop()
        self._loop = loop
        thread = threading.Thread(
            target=loop.run_until_complete, args=(main(),), name="local-live", daemon=True
        )
        thread.start()
        started.wait()
        if failure:
            thread.join()
            loop.close()
            raise failure[0]
        self._management = ThreadingHTTPServer(("127.0.0.1", 0), self._management_handler())
        self._management.daemon_threads = True
        management = threading.Thread(
            target=self._management.serve_forever, name="local-live-management", daemon=True
        )
        management.start()
        previous = {
            name: os.environ.get(name) for name in (LIVE_URL_VARIABLE, CONNECTIONS_URL_VARIABLE)
        }
        os.environ[LIVE_URL_VARIABLE] = self.url
        os.environ[CONNECTIONS_URL_VARIABLE] = self.connections_url
        forget_clients()
        try:
            yield self
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            forget_clients()
            assert stop is not None
            loop.call_soon_threadsafe(stop.set)
            thread.join()
            loop.close()
            self._management.shutdown()
            self._management.server_close()
            management.join()
