"""What API Gateway does, locally: send each request to its route group's app.

Routing follows the same data CDK turns into routes (``functions.registry``): the group
that claims the path, else the default group. Each group's app is imported on first use,
as each Lambda function would be on its first request. Requests run side by side, each
on a thread of its own, as concurrent Lambda invocations do: the routes do blocking work,
and a request that waits on another (a webhook test sent to this server's own /hooks URL)
must not wait on itself.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from functions.registry import (
    GROUPS,
    SOCKETS,
    WORKERS,
    RouteGroup,
    SocketFunction,
    WorkerFunction,
    group_for_path,
)
from shared.settings import Settings
from tools.local.emulator import register_function

# Concurrent requests at most: more wait for a thread, as invocations over a function's
# reserved concurrency are throttled.
MAX_CONCURRENT_REQUESTS = 8


@cache
def _group_app(group_name: str) -> Any:
    group = next(group for group in GROUPS if group.name == group_name)
    return importlib.import_module(group.app_module).app


class LocalGateway:
    """An ASGI app that routes by path to the group apps, as the HTTP API routes to Lambdas."""

    def __init__(self) -> None:
        self._threads = ThreadPoolExecutor(MAX_CONCURRENT_REQUESTS, thread_name_prefix="request")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            # Lambda functions never see lifespan events; neither do the group apps here.
            while (message := await receive())["type"] != "lifespan.shutdown":
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        group = group_for_path(scope.get("path", "/"))
        app = _group_app(group.name)
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        await self._in_a_thread(app, scope, *_reading_the_whole_body(receive, send))

    async def _in_a_thread(self, app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Run the app on a thread with an event loop of its own; its receive and send go
        back to the server's loop."""
        server = asyncio.get_running_loop()

        def on_server(
            call: Callable[..., Coroutine[Any, Any, Any]],
        ) -> Callable[..., Coroutine[Any, Any, Any]]:
            async def relayed(*args: Any) -> Any:
                future = asyncio.run_coroutine_threadsafe(call(*args), server)
                return await asyncio.wrap_future(future)

            return relayed

        await server.run_in_executor(
            self._threads, asyncio.run, app(scope, on_server(receive), on_server(send))
        )


def _reading_the_whole_body(receive: Any, send: Any) -> tuple[Any, Any]:
    """`receive` and `send` for an app that may answer before reading the whole body (413
    for a body over the cap): the rest is read and dropped before the answer starts, as
    API Gateway answers. Otherwise the server closes the connection on a client still
    sending (one that asked for Connection: close), which sees a reset, not the 413."""
    request_done = False

    async def tracked_receive() -> Any:
        nonlocal request_done
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            request_done = True
        return message

    async def draining_send(message: Any) -> None:
        if message["type"] == "http.response.start":
            while not request_done:
                await tracked_receive()
        await send(message)

    return tracked_receive, draining_send


def _lazy_handler(handler_path: str) -> Any:
    def invoke(event: Any, context: Any) -> Any:
        module_name, _, attribute = handler_path.rpartition(".")
        return getattr(importlib.import_module(module_name), attribute)(event, context)

    return invoke


def register_group_functions(settings: Settings) -> None:
    """Every function's Lambda handler (route groups, workers, the WebSocket API's) alike,
    invocable by its function name as Step Functions and boto3 would call it."""
    functions: tuple[RouteGroup | WorkerFunction | SocketFunction, ...] = (
        *GROUPS,
        *WORKERS,
        *SOCKETS,
    )
    for function in functions:
        register_function(
            f"{settings.resource_prefix}-{function.name}", _lazy_handler(function.handler)
        )
