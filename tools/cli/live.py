"""Follow a job live over the WebSocket (`WS /ws`), polling when that cannot be had.

The API's service info (`GET /api/v1`) names the WebSocket URL (`live_url`). The watch
connects with the token (`?token=`), subscribes to every event of the job and reads the
job, its phases and any approval it waits for again at each event it is sent, so the view
is the same as polling's, moved by events instead of a timer. Between events it pings (the
connection stays open, and a lost socket shows) and reads the job anyway now and then, so
an event the socket missed costs at most that long. When there is no `live_url`, the
socket cannot be opened or the subscription is refused, or the socket is lost on the way,
it polls (tools/cli/watch.py) from there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol
from urllib.parse import quote

from tools.cli.client import ApiClient, ApiError
from tools.cli.models import Job
from tools.cli.progress import ProgressView, Snapshot
from tools.cli.watch import Polling, pending_approval, watch


class LiveUnavailable(Exception):
    """The live path cannot be (or can no longer be) used: poll instead."""


class Socket(Protocol):
    def send(self, message: str) -> None: ...

    def recv(self, timeout: float | None = None) -> str | bytes: ...


Connect = Callable[[str], AbstractContextManager[Socket]]


@dataclass(frozen=True)
class Live:
    # Ping this often without traffic (API Gateway closes a socket idle for 10 minutes).
    ping_seconds: float = 240.0
    # Read the job at least this often even without events (one the socket missed).
    refresh_seconds: float = 60.0
    # Opening the socket and each answer the watch waits for.
    open_timeout: float = 5.0


def connect_websocket(url: str, *, open_timeout: float = 5.0) -> AbstractContextManager[Socket]:
    from websockets.sync.client import connect

    # No compression: messages are small, and API Gateway does not negotiate it.
    return connect(url, open_timeout=open_timeout, compression=None)


def live_url(client: ApiClient) -> str | None:
    """The WebSocket URL the API names; None when it names none or cannot be asked."""
    try:
        info = client.service_info()
    except ApiError:
        return None
    url = info.get("live_url")
    return url if isinstance(url, str) and url.startswith(("ws://", "wss://")) else None


def snapshot(client: ApiClient, job: Job) -> Snapshot:
    approval = pending_approval(client, job) if job.status == "waiting_approval" else None
    unknown = job.status == "waiting_approval" and approval is None
    return Snapshot(job, client.phases(job.id), approval, approval_unknown=unknown)


def _message(raw: str | bytes) -> dict[str, Any]:
    try:
        message = json.loads(raw)
    except ValueError:
        return {}
    return message if isinstance(message, dict) else {}


def watch_live(
    client: ApiClient,
    ref: str,
    view: ProgressView,
    *,
    url: str,
    token: str,
    connect: Connect,
    live: Live = Live(),
    clock: Callable[[], float] = time.monotonic,
) -> Job:
    """Follow the job over the socket to its end; LiveUnavailable when the socket cannot
    be opened, refuses the subscription, or is lost. The view is left open."""
    job = client.get_job(ref)
    try:
        with connect(f"{url}?token={quote(token, safe='')}") as socket:
            socket.send(json.dumps({"type": "subscribe", "event": "*", "job_id": job.id}))
            answer = _message(socket.recv(timeout=live.open_timeout))
            if answer.get("type") != "subscribed":
                raise LiveUnavailable(str(answer.get("detail") or "the subscription was refused"))
            # Read after subscribing: nothing that happens from here on can be missed.
            return _follow_events(client, job, view, socket, live, clock)
    except (OSError, TimeoutError) as exc:
        raise LiveUnavailable(str(exc) or type(exc).__name__) from exc
    except Exception as exc:
        # websockets' own errors: a refused handshake (401), a lost or closed connection.
        if type(exc).__module__.startswith("websockets"):
            raise LiveUnavailable(str(exc) or type(exc).__name__) from exc
        raise


def _follow_events(
    client: ApiClient,
    job: Job,
    view: ProgressView,
    socket: Socket,
    live: Live,
    clock: Callable[[], float],
) -> Job:
    current = snapshot(client, client.get_job(job.id))
    view.update(current)
    read_at = last_traffic = clock()
    while not current.job.finished:
        wait = min(live.ping_seconds - (clock() - last_traffic), live.refresh_seconds)
        try:
            message = _message(socket.recv(timeout=max(0.0, wait)))
            last_traffic = clock()
        except TimeoutError:
            message = {}
            if clock() - last_traffic >= live.ping_seconds:
                socket.send(json.dumps({"type": "ping"}))
                last_traffic = clock()
        moved = message.get("type") == "event" and (message.get("data") or {}).get("job_id") == (
            job.id
        )
        if moved or clock() - read_at >= live.refresh_seconds:
            current = snapshot(client, client.get_job(job.id))
            view.update(current)
            read_at = clock()
    return current.job


def follow(
    client: ApiClient,
    ref: str,
    view: ProgressView,
    *,
    token: str | None,
    polling: Polling,
    note: Callable[[str], None],
    connect: Connect | None = None,
    live: Live = Live(),
) -> Job:
    """Watch the job to its end: live when the API names a WebSocket, else (or when that
    fails) by polling. The view is closed at the end."""
    url = live_url(client) if token else None
    if url is not None and token is not None:
        opener = connect or partial(connect_websocket, open_timeout=live.open_timeout)
        try:
            job = watch_live(client, ref, view, url=url, token=token, connect=opener, live=live)
        except LiveUnavailable as exc:
            note(f"live events unavailable ({exc}): polling instead")
        except BaseException:
            view.close()  # Ctrl+C: the last frame stays on screen, as when polling
            raise
        else:
            view.close()
            return job
    return watch(client, ref, view, polling=polling)
