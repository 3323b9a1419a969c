"""`factory notifications`: your inbox (list, read-all), with what each sends (API.md's
Triggers, notifications, live events rows) and what it prints. The inbox is the signed-in
person's own: an admin-key token (`factory login`) has none, an account's token or its
API key does."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tools.cli import render
from tools.cli.client import ApiClient, _decode
from tools.cli.commands import OK, Context
from tools.cli.models import _Answer

Action = Callable[..., argparse.ArgumentParser]


class Notification(_Answer):
    id: str
    kind: str
    title: str
    body: str = ""
    read: bool = False
    created_at: datetime
    link: str | None = None


class NotificationPage(_Answer):
    items: list[Notification]
    total: int = 0
    next_cursor: str | None = None


class UnreadCount(_Answer):
    count: int


class ReadAll(_Answer):
    marked: int


# --- requests -----------------------------------------------------------------------------


def notifications(
    client: ApiClient, *, unread: bool = False, limit: int = 20, cursor: str | None = None
) -> NotificationPage:
    params: dict[str, Any] = {"limit": limit}
    if unread:
        params["unread"] = "true"
    if cursor:
        params["cursor"] = cursor
    # ApiClient._call is the client's one way to the API (auth, retries, errors).
    return _decode(client._call("GET", "/notifications", params=params), NotificationPage)


def unread_count(client: ApiClient) -> UnreadCount:
    return _decode(client._call("GET", "/notifications/unread-count"), UnreadCount)


def read_all(client: ApiClient) -> ReadAll:
    # Marking read again changes nothing: safe to repeat when no answer came.
    return _decode(client._call("PUT", "/notifications/read-all", retry=True), ReadAll)


# --- commands -----------------------------------------------------------------------------


def list_command(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        page = notifications(client, unread=args.unread, limit=args.limit, cursor=args.cursor)
        count = unread_count(client)
    if args.json:
        ctx.json({**page.as_json(), "unread_count": count.count})
        return OK
    if not page.items:
        ctx.say("no unread notifications" if args.unread else "no notifications yet")
        return OK
    ctx.say(notifications_table(page.items))
    ctx.say(
        f"\n{count.count} unread"
        + ("; mark them: factory notifications read-all" if count.count else "")
    )
    if page.next_cursor:
        more = " --unread" if args.unread else ""
        ctx.say(f"more: factory notifications list{more} --cursor {page.next_cursor}")
    return OK


def read_all_command(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        answer = read_all(client)
    ctx.say(f"{answer.marked} notification(s) marked read")
    return OK


def notifications_table(items: list[Notification], now: datetime | None = None) -> str:
    rows = [
        [" " if note.read else "*", render.ago(note.created_at, now), note.kind, note.title]
        for note in items
    ]
    return render.table(["", "when", "kind", "title"], rows)


def add_commands(action: Action) -> None:
    """The actions of `factory notifications` (`action` adds one; __main__'s `group`)."""
    listed = action("list", list_command, "your notifications, newest first (* unread)")
    listed.add_argument("--unread", action="store_true", help="only the unread ones")
    listed.add_argument("--limit", type=int, default=20, help="how many (1-100, default 20)")
    listed.add_argument("--cursor", help="the next page's cursor, as printed")
    listed.add_argument("--json", action="store_true", help="print the API's JSON")
    action("read-all", read_all_command, "mark all your notifications read")
