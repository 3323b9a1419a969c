"""`factory chat "..."`: ask a model, wait for the answer, print it (API.md's `POST /chat`
row). The ticket is followed live when the API names a WebSocket (`chat.completed` and
`chat.failed` reach only the asker's sockets), else, or when the socket fails, by polling
`GET /chat/{ticket_id}` as `factory watch` polls a job."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import quote

from tools.cli.client import ApiClient
from tools.cli.commands import OK, Context, UsageError
from tools.cli.live import Connect, LiveUnavailable, _message, connect_websocket, live_url
from tools.cli.watch import Polling

FAILED = 1
Action = Callable[..., argparse.ArgumentParser]
# How long the CLI waits for an answer before it gives up (the ticket stays readable).
DEFAULT_MAX_WAIT = 600.0


def add_command(command: Action) -> None:
    asked = command("chat", ask, "ask a model and print its answer (waits for the ticket)")
    asked.add_argument("message", help="what to ask")
    asked.add_argument("--system", help="a system prompt sent first")
    asked.add_argument(
        "--provider", help="a provider of the team (default: the session's, else the team's)"
    )
    asked.add_argument("--model", help="a model of that provider (default: its default model)")
    asked.add_argument("--session", help="use this session's configuration (/sessions/{id}/config)")
    asked.add_argument("--temperature", type=float, help="0-2")
    asked.add_argument("--max-tokens", type=int, help="the longest answer, in tokens")
    asked.add_argument(
        "--max-wait",
        type=float,
        default=DEFAULT_MAX_WAIT,
        metavar="SECONDS",
        help=f"give up waiting after this long (default {DEFAULT_MAX_WAIT:.0f})",
    )
    asked.add_argument("--json", action="store_true", help="print the ticket's JSON")


def request_body(args: argparse.Namespace) -> dict[str, Any]:
    messages = [{"role": "user", "content": args.message}]
    if args.system:
        messages.insert(0, {"role": "system", "content": args.system})
    body: dict[str, Any] = {"messages": messages}
    for name, value in (
        ("provider", args.provider),
        ("model", args.model),
        ("session_id", args.session),
    ):
        if value:
            body[name] = value
    parameters = {
        name: value
        for name, value in (("temperature", args.temperature), ("max_tokens", args.max_tokens))
        if value is not None
    }
    if parameters:
        body["parameters"] = parameters
    return body


def ask(ctx: Context, args: argparse.Namespace, *, connect: Connect | None = None) -> int:
    if not args.message.strip():
        raise UsageError("the message is empty")
    client = ctx.client()
    created = client._call("POST", "/chat", json=request_body(args)).json()
    ticket_id = str(created["ticket_id"])
    ticket = wait_for(
        client,
        ticket_id,
        token=ctx.token,
        polling=ctx.polling,
        max_wait=args.max_wait,
        note=ctx.note,
        connect=connect,
    )
    if args.json:
        ctx.say(json.dumps(ticket, indent=2))
    if ticket["status"] == "pending":
        ctx.note(f"no answer after {args.max_wait:.0f} s: GET /chat/{ticket_id} has it later")
        return FAILED
    if ticket["status"] == "failed":
        ctx.note(f"chat failed: {ticket.get('error')}")
        return FAILED
    if not args.json:
        ctx.say(str(ticket.get("result") or "").rstrip("\n"))
    return OK


def read_ticket(client: ApiClient, ticket_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = client._call("GET", f"/chat/{ticket_id}").json()
    return answer


def wait_for(
    client: ApiClient,
    ticket_id: str,
    *,
    token: str | None,
    polling: Polling,
    max_wait: float,
    note: Callable[[str], None],
    connect: Connect | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """The ticket once settled (or as it is after `max_wait`): live, else polled."""
    deadline = clock() + max_wait
    url = live_url(client) if token else None
    if url is not None and token is not None:
        opener = connect or partial(connect_websocket, open_timeout=5.0)
        try:
            return _wait_live(
                client, ticket_id, f"{url}?token={quote(token, safe='')}", opener, deadline, clock
            )
        except LiveUnavailable as exc:
            note(f"live events unavailable ({exc}): polling instead")
    delay = polling.interval
    while True:
        ticket = read_ticket(client, ticket_id)
        if ticket["status"] != "pending" or clock() >= deadline:
            return ticket
        sleep(delay)
        delay = min(max(delay, 0.05) * polling.backoff, polling.max_interval)


def _wait_live(
    client: ApiClient,
    ticket_id: str,
    url: str,
    connect: Connect,
    deadline: float,
    clock: Callable[[], float],
) -> dict[str, Any]:
    try:
        with connect(url) as socket:
            socket.send(json.dumps({"type": "subscribe", "event": "chat.*"}))
            answer = _message(socket.recv(timeout=5.0))
            if answer.get("type") != "subscribed":
                raise LiveUnavailable(str(answer.get("detail") or "the subscription was refused"))
            # Read after subscribing: an answer that comes from here on is not missed.
            ticket = read_ticket(client, ticket_id)
            while ticket["status"] == "pending" and clock() < deadline:
                try:
                    message = _message(socket.recv(timeout=min(60.0, max(0.0, deadline - clock()))))
                except TimeoutError:
                    message = {}
                data = message.get("data") or {}
                if message.get("type") != "event" or data.get("ticket_id") == ticket_id:
                    ticket = read_ticket(client, ticket_id)
            return ticket
    except (OSError, TimeoutError) as exc:
        raise LiveUnavailable(str(exc) or type(exc).__name__) from exc
    except Exception as exc:
        if type(exc).__module__.startswith("websockets"):
            raise LiveUnavailable(str(exc) or type(exc).__name__) from exc
        raise
