"""`factory workflows`: the team's workflows (list), a run started (run, --wait to follow
it to its end) and a run read (status), with what each sends (API.md's Workflows rows).

A run is followed live when the API names a WebSocket: the socket subscribes to
`workflow.run.*` (the run's end wakes the CLI at once) and to `task.*` and `approval.*`
(what ends most steps), and the run is read again at each such event and every few
seconds anyway (a webhook or wait step ends without an event of its own). Without a
socket, or when it fails, the run is polled, backing off while nothing changes, as
`factory watch` polls a job. Each step's status is printed as it changes.
"""

from __future__ import annotations

import argparse
import json
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import quote

from pydantic import Field

from tools.cli import render
from tools.cli.client import ApiClient, ApiError, _decode, _segment
from tools.cli.commands import JOB_FAILED, OK, Context
from tools.cli.live import Connect, LiveUnavailable, Socket, _message, connect_websocket, live_url
from tools.cli.models import _Answer
from tools.cli.watch import Polling

Action = Callable[..., argparse.ArgumentParser]
# What the live path listens to: the run's own events and what ends most of its steps.
SUBSCRIPTIONS = ("workflow.run.*", "task.*", "approval.*")
# How long the CLI follows a run before it gives up (the run goes on; `status` reads it).
DEFAULT_MAX_WAIT = 3600.0


class WorkflowStep(_Answer):
    id: str
    name: str
    step_type: str
    depends_on: list[str] = Field(default_factory=list)


class Workflow(_Answer):
    id: str
    name: str
    description: str = ""
    is_template: bool = False
    steps: list[WorkflowStep] = Field(default_factory=list)
    created_at: datetime | None = None


class WorkflowPage(_Answer):
    items: list[Workflow]
    total: int = 0
    next_cursor: str | None = None


class RunStep(_Answer):
    step_id: str
    name: str
    step_type: str = ""
    status: str
    error: str | None = None
    task_id: str | None = None
    approval_id: str | None = None


class Run(_Answer):
    run_id: str
    workflow_id: str
    status: str
    error: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    steps: list[RunStep] = Field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.status != "running"

    def key(self) -> tuple[str, ...]:
        """What changes as the run moves: its status and each step's."""
        return (self.status, *(f"{step.step_id}={step.status}" for step in self.steps))


class RunStarted(_Answer):
    run_id: str
    status: str = "running"


# --- requests -----------------------------------------------------------------------------


def workflows(client: ApiClient, *, limit: int = 20, cursor: str | None = None) -> WorkflowPage:
    params: dict[str, Any] = {"limit": limit}
    if cursor:
        params["cursor"] = cursor
    # ApiClient._call is the client's one way to the API (auth, retries, errors).
    return _decode(client._call("GET", "/workflows", params=params), WorkflowPage)


def start(client: ApiClient, workflow_id: str) -> RunStarted:
    return _decode(client._call("POST", f"/workflows/{_segment(workflow_id)}/run"), RunStarted)


def get_run(client: ApiClient, workflow_id: str, run_id: str) -> Run:
    path = f"/workflows/{_segment(workflow_id)}/runs/{_segment(run_id)}"
    return _decode(client._call("GET", path), Run)


# --- following a run ----------------------------------------------------------------------


class StepPrinter:
    """Says each step's status once it differs from what was last said."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say
        self._said: dict[str, str] = {}

    def __call__(self, run: Run) -> None:
        for step in run.steps:
            if self._said.get(step.step_id) == step.status:
                continue
            self._said[step.step_id] = step.status
            error = f": {step.error}" if step.error and step.status == "failed" else ""
            self._say(f"  {step.name} ({step.step_type}): {step.status}{error}")


@dataclass(frozen=True)
class LiveRun:
    # Read the run at least this often between events (a webhook or wait step's end has
    # no event of its own).
    refresh_seconds: float = 2.0
    # Ping this often without traffic (API Gateway closes a socket idle for 10 minutes).
    ping_seconds: float = 240.0
    open_timeout: float = 5.0


def follow_run(
    client: ApiClient,
    workflow_id: str,
    run_id: str,
    *,
    token: str | None,
    polling: Polling,
    note: Callable[[str], None],
    seen: Callable[[Run], None],
    max_wait: float = DEFAULT_MAX_WAIT,
    connect: Connect | None = None,
    live: LiveRun = LiveRun(),
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Run:
    """The run once it ended (or as it is after `max_wait`), `seen` called with each read
    of it: live when the API names a WebSocket, else (or when that fails) polled."""
    deadline = clock() + max_wait
    url = live_url(client) if token else None
    if url is not None and token is not None:
        opener = connect or partial(connect_websocket, open_timeout=live.open_timeout)
        try:
            with_token = f"{url}?token={quote(token, safe='')}"
            return _follow_live(
                client, workflow_id, run_id, with_token, opener, seen, live, deadline, clock
            )
        except LiveUnavailable as exc:
            note(f"live events unavailable ({exc}): polling instead")
    return _poll(client, workflow_id, run_id, seen, polling, deadline, clock, sleep)


def _poll(
    client: ApiClient,
    workflow_id: str,
    run_id: str,
    seen: Callable[[Run], None],
    polling: Polling,
    deadline: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> Run:
    delay = polling.interval
    previous: tuple[str, ...] | None = None
    failures = 0
    while True:
        try:
            run = get_run(client, workflow_id, run_id)
        except ApiError as error:
            failures += 1
            if not error.retryable or failures > polling.max_failures:
                raise
            sleep(delay)
            delay = min(max(delay, 0.05) * polling.backoff, polling.max_interval)
            continue
        failures = 0
        seen(run)
        if run.finished or clock() >= deadline:
            return run
        # Back to the short interval when something moved; longer while nothing does (an
        # approval step may wait hours for a person).
        key = run.key()
        delay = (
            polling.interval
            if key != previous
            else min(max(delay, 0.05) * polling.backoff, polling.max_interval)
        )
        previous = key
        sleep(delay)


def _follow_live(
    client: ApiClient,
    workflow_id: str,
    run_id: str,
    url: str,
    connect: Connect,
    seen: Callable[[Run], None],
    live: LiveRun,
    deadline: float,
    clock: Callable[[], float],
) -> Run:
    try:
        with connect(url) as socket:
            for event in SUBSCRIPTIONS:
                socket.send(json.dumps({"type": "subscribe", "event": event}))
                answer = _message(socket.recv(timeout=live.open_timeout))
                if answer.get("type") != "subscribed":
                    detail = answer.get("detail") or "the subscription was refused"
                    raise LiveUnavailable(str(detail))
            # Read after subscribing: nothing that happens from here on can be missed.
            return _read_at_events(client, workflow_id, run_id, socket, seen, live, deadline, clock)
    except (OSError, TimeoutError) as exc:
        raise LiveUnavailable(str(exc) or type(exc).__name__) from exc
    except Exception as exc:
        # websockets' own errors: a refused handshake (401), a lost or closed connection.
        if type(exc).__module__.startswith("websockets"):
            raise LiveUnavailable(str(exc) or type(exc).__name__) from exc
        raise


def _read_at_events(
    client: ApiClient,
    workflow_id: str,
    run_id: str,
    socket: Socket,
    seen: Callable[[Run], None],
    live: LiveRun,
    deadline: float,
    clock: Callable[[], float],
) -> Run:
    run = get_run(client, workflow_id, run_id)
    seen(run)
    read_at = last_traffic = clock()
    while not run.finished and clock() < deadline:
        wait = min(
            live.ping_seconds - (clock() - last_traffic),
            live.refresh_seconds - (clock() - read_at),
            deadline - clock(),
        )
        try:
            message = _message(socket.recv(timeout=max(0.0, wait)))
            last_traffic = clock()
        except TimeoutError:
            message = {}
            if clock() - last_traffic >= live.ping_seconds:
                socket.send(json.dumps({"type": "ping"}))
                last_traffic = clock()
        event = str(message.get("event") or "")
        data = message.get("data") or {}
        ours = message.get("type") == "event" and (
            not event.startswith("workflow.") or data.get("run_id") == run_id
        )
        if ours or clock() - read_at >= live.refresh_seconds:
            run = get_run(client, workflow_id, run_id)
            seen(run)
            read_at = clock()
    return run


# --- commands -----------------------------------------------------------------------------


def _summary(run: Run) -> str:
    took = ""
    if run.created_at and run.completed_at:
        took = f" in {render.duration((run.completed_at - run.created_at).total_seconds())}"
    line = f"run {run.run_id} of workflow {run.workflow_id}: {run.status}{took}"
    return line + (f" ({run.error})" if run.error else "")


def _steps_table(run: Run) -> str:
    rows = [[step.name, step.step_type, step.status, step.error or ""] for step in run.steps]
    return render.table(["step", "type", "status", "error"], rows)


def _ended(run: Run) -> int:
    return OK if run.status == "completed" else JOB_FAILED


def _follow(ctx: Context, client: ApiClient, workflow_id: str, run_id: str, args: Any) -> int:
    printer = StepPrinter(ctx.say)
    hint = f"factory workflows status {shlex.quote(workflow_id)} {shlex.quote(run_id)}"
    try:
        run = follow_run(
            client,
            workflow_id,
            run_id,
            token=ctx.token,
            polling=ctx.polling,
            note=ctx.note,
            seen=(lambda run: None) if args.json else printer,
            max_wait=args.max_wait,
        )
    except KeyboardInterrupt:
        ctx.note(f"\nstopped following; the run goes on: {hint}")
        raise
    if args.json:
        ctx.json(run.as_json())
    else:
        ctx.say(_summary(run))
    if not run.finished:
        ctx.note(f"the run is still running after {args.max_wait:.0f} s: {hint}")
    return _ended(run)


def run_command(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        started = start(client, args.workflow_id)
        if args.wait:
            if not args.json:
                ctx.say(f"run {started.run_id} of workflow {args.workflow_id}: {started.status}")
            return _follow(ctx, client, args.workflow_id, started.run_id, args)
    if args.json:
        ctx.json(started.as_json())
        return OK
    ctx.say(f"run {started.run_id} of workflow {args.workflow_id}: {started.status}")
    ctx.say(
        f"  follow it: factory workflows status {shlex.quote(args.workflow_id)} "
        f"{shlex.quote(started.run_id)} --wait"
    )
    return OK


def status_command(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        if args.wait:
            return _follow(ctx, client, args.workflow_id, args.run_id, args)
        run = get_run(client, args.workflow_id, args.run_id)
    if args.json:
        ctx.json(run.as_json())
        return OK
    ctx.say(_summary(run))
    if run.steps:
        ctx.say()
        ctx.say(_steps_table(run))
    return OK


def list_command(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        page = workflows(client, limit=args.limit, cursor=args.cursor)
    if args.json:
        ctx.json(page.as_json())
        return OK
    if not page.items:
        ctx.say("no workflows yet")
        return OK
    rows = [
        [item.id, item.name, str(len(item.steps)), "yes" if item.is_template else ""]
        for item in page.items
    ]
    ctx.say(render.table(["id", "name", "steps", "template"], rows))
    if page.next_cursor:
        ctx.say(f"more: factory workflows list --cursor {page.next_cursor}")
    return OK


def _follow_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait",
        action="store_true",
        help="follow the run to its end, printing each step's status as it changes "
        "(exit 1 if it failed or was cancelled)",
    )
    parser.add_argument(
        "--max-wait",
        type=float,
        default=DEFAULT_MAX_WAIT,
        metavar="SECONDS",
        help=f"with --wait: give up following after this long (default {DEFAULT_MAX_WAIT:.0f})",
    )
    parser.add_argument("--json", action="store_true", help="print the API's JSON")


def add_commands(action: Action) -> None:
    """The actions of `factory workflows` (`action` adds one; __main__'s `group`)."""
    ran = action("run", run_command, "start a run of a workflow (--wait: follow it)")
    ran.add_argument("workflow_id", help="workflow id (`factory workflows list` shows them)")
    _follow_options(ran)

    status = action("status", status_command, "a run and each of its steps")
    status.add_argument("workflow_id", help="workflow id")
    status.add_argument("run_id", help="run id (`factory workflows run` prints it)")
    _follow_options(status)

    listed = action("list", list_command, "the team's workflows, newest first")
    listed.add_argument("--limit", type=int, default=20, help="how many (1-100, default 20)")
    listed.add_argument("--cursor", help="the next page's cursor, as printed")
    listed.add_argument("--json", action="store_true", help="print the API's JSON")
