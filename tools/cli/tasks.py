"""`factory tasks`: the team's tasks (add, list, show, cancel), with what each sends
(API.md's Tasks rows) and what it prints."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import Field

from tools.cli import render
from tools.cli.client import ApiClient, _decode
from tools.cli.commands import OK, Context
from tools.cli.models import _Answer

Action = Callable[..., argparse.ArgumentParser]
STATUSES = ("pending", "queued", "running", "completed", "failed", "cancelled")


class Task(_Answer):
    id: str
    title: str
    status: str
    priority: str = "medium"
    description: str = ""
    instructions: str = ""
    agent_id: str | None = None
    board_id: str | None = None
    worker_id: str | None = None
    required_tools: list[str] = Field(default_factory=list)
    result: str | None = None
    error: str | None = None
    tokens: int | None = None
    cost_usd: float | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None


class TaskPage(_Answer):
    items: list[Task]
    total: int = 0
    next_cursor: str | None = None


# --- requests -----------------------------------------------------------------------------


def create(client: ApiClient, body: dict[str, Any]) -> Task:
    # ApiClient._call is the client's one way to the API (auth, retries, errors).
    return _decode(client._call("POST", "/tasks", json=body), Task)


def tasks(
    client: ApiClient, *, status: str | None = None, limit: int = 20, cursor: str | None = None
) -> TaskPage:
    params: dict[str, Any] = {"limit": limit}
    if status:
        params["status"] = status
    if cursor:
        params["cursor"] = cursor
    return _decode(client._call("GET", "/tasks", params=params), TaskPage)


def get(client: ApiClient, task_id: str) -> Task:
    return _decode(client._call("GET", f"/tasks/{task_id}"), Task)


def cancel(client: ApiClient, task_id: str) -> Task:
    return _decode(client._call("POST", f"/tasks/{task_id}/cancel"), Task)


# --- commands -----------------------------------------------------------------------------


def _show(ctx: Context, task: Task, as_json: bool) -> int:
    if as_json:
        ctx.json(task.as_json())
        return OK
    ctx.say(f"task {task.id} ({task.title}): {task.status}, priority {task.priority}")
    if task.agent_id:
        ctx.say(
            f"agent: {task.agent_id}" + (f" on worker {task.worker_id}" if task.worker_id else "")
        )
    if task.board_id:
        ctx.say(f"board: {task.board_id}")
    if task.tokens is not None or task.cost_usd is not None:
        tokens = "-" if task.tokens is None else str(task.tokens)
        ctx.say(f"tokens: {tokens}, cost: ${task.cost_usd or 0:.6f}")
    if task.error:
        ctx.say(f"error: {task.error}")
    if task.result:
        ctx.say("")
        ctx.say(task.result)
    return OK


def add_command(ctx: Context, args: argparse.Namespace) -> int:
    body: dict[str, Any] = {
        "title": args.title,
        "instructions": args.instructions or args.title,
        "priority": args.priority,
    }
    for name in ("description", "agent_id", "board_id"):
        if getattr(args, name):
            body[name] = getattr(args, name)
    if args.tool:
        body["required_tools"] = args.tool
    with ctx.client() as client:
        task = create(client, body)
    return _show(ctx, task, args.json)


def list_command(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        page = tasks(client, status=args.status, limit=args.limit, cursor=args.cursor)
    if args.json:
        ctx.json(page.as_json())
        return OK
    if not page.items:
        ctx.say("no tasks" + (f" {args.status}" if args.status else " yet: factory tasks add"))
        return OK
    rows = [
        [task.id, task.title, task.status, task.priority, task.agent_id or ""]
        for task in page.items
    ]
    ctx.say(render.table(["id", "title", "status", "priority", "agent"], rows))
    if page.next_cursor:
        ctx.say(f"more: factory tasks list --cursor {page.next_cursor}")
    return OK


def show_command(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        task = get(client, args.id)
    return _show(ctx, task, args.json)


def cancel_command(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        task = cancel(client, args.id)
    if args.json:
        ctx.json(task.as_json())
    else:
        ctx.say(f"task {task.id} is {task.status}")
    return OK


def add_commands(action: Action) -> None:
    """The actions of `factory tasks` (`action` adds one; __main__'s `group`)."""
    added = action("add", add_command, "create a task (run by --agent, or pending)")
    added.add_argument("title", help="what the task is called")
    added.add_argument("--instructions", help="what to do (default: the title)")
    added.add_argument("--description", help="more about it")
    added.add_argument(
        "--priority", choices=["low", "medium", "high", "critical"], default="medium"
    )
    added.add_argument("--agent", dest="agent_id", metavar="ID", help="the agent that runs it")
    added.add_argument("--board", dest="board_id", metavar="ID", help="the board it is on")
    added.add_argument("--tool", action="append", help="a tool it needs (repeatable)")
    added.add_argument("--json", action="store_true", help="print the API's JSON")

    listed = action("list", list_command, "the team's tasks, newest first")
    listed.add_argument("--status", choices=STATUSES, help="only tasks in this status")
    listed.add_argument("--limit", type=int, default=20, help="how many (1-100, default 20)")
    listed.add_argument("--cursor", help="the next page's cursor, as printed")
    listed.add_argument("--json", action="store_true", help="print the API's JSON")

    shown = action("show", show_command, "a task, with its result")
    shown.add_argument("id", help="task id (`factory tasks list` shows them)")
    shown.add_argument("--json", action="store_true", help="print the API's JSON")

    cancelled = action("cancel", cancel_command, "cancel a task not finished yet")
    cancelled.add_argument("id", help="task id")
    cancelled.add_argument("--json", action="store_true", help="print the API's JSON")
