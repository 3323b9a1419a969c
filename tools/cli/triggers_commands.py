"""`factory triggers`: the team's triggers (list, add-schedule, add-on-event, fire, history,
toggle), with what each sends (API.md's Triggers rows) and what it prints. A trigger's
action here is `start_job` (a job's name, platform, description and features, as
`factory generate` takes them), `run_agent` (--agent and --prompt), `webhook`
(--webhook), `create_task` (--task TITLE with --instructions, optionally --task-agent) or
`run_workflow` (--workflow)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import Field

from tools.cli import render
from tools.cli.client import ApiClient, _decode
from tools.cli.commands import OK, Context, UsageError
from tools.cli.models import _Answer

Action = Callable[..., argparse.ArgumentParser]


class Trigger(_Answer):
    id: str
    name: str
    type: str
    enabled: bool
    overlap: str = "skip"
    config: dict[str, Any] = Field(default_factory=dict)
    action: dict[str, Any] = Field(default_factory=dict)
    schedule_description: str | None = None
    next_fire_times: list[datetime] | None = None
    paused_reason: str | None = None
    last_fired_at: datetime | None = None


class TriggerPage(_Answer):
    items: list[Trigger]
    total: int = 0
    next_cursor: str | None = None


class Run(_Answer):
    id: str
    reason: str = ""
    fired_at: datetime
    scheduled_for: datetime
    outcome: str
    job_id: str | None = None
    task_id: str | None = None
    workflow_run_id: str | None = None
    error: str | None = None


class RunPage(_Answer):
    items: list[Run]
    total: int = 0
    next_cursor: str | None = None


class Fired(_Answer):
    run_id: str
    outcome: str
    job_id: str | None = None
    task_id: str | None = None
    workflow_run_id: str | None = None


def _started(answer: Run | Fired) -> str:
    """What a run started: a job, a task or a workflow run (at most one), or nothing."""
    if answer.job_id:
        return f"job {answer.job_id}"
    if answer.task_id:
        return f"task {answer.task_id}"
    if answer.workflow_run_id:
        return f"workflow run {answer.workflow_run_id}"
    return ""


class Toggled(_Answer):
    enabled: bool


# --- requests -----------------------------------------------------------------------------


def _page_params(limit: int, cursor: str | None) -> dict[str, Any]:
    return {"limit": limit, **({"cursor": cursor} if cursor else {})}


def triggers(client: ApiClient, *, limit: int = 20, cursor: str | None = None) -> TriggerPage:
    # ApiClient._call is the client's one way to the API (auth, retries, errors).
    response = client._call("GET", "/triggers", params=_page_params(limit, cursor))
    return _decode(response, TriggerPage)


def create(client: ApiClient, body: dict[str, Any]) -> Trigger:
    return _decode(client._call("POST", "/triggers", json=body), Trigger)


def fire(client: ApiClient, trigger_id: str) -> Fired:
    return _decode(client._call("POST", f"/triggers/{trigger_id}/fire"), Fired)


def history(
    client: ApiClient, trigger_id: str, *, limit: int = 20, cursor: str | None = None
) -> RunPage:
    response = client._call(
        "GET", f"/triggers/{trigger_id}/history", params=_page_params(limit, cursor)
    )
    return _decode(response, RunPage)


def toggle(client: ApiClient, trigger_id: str, *, replay_missed: bool = False) -> Toggled:
    body = {"replay_missed": True} if replay_missed else None
    return _decode(client._call("POST", f"/triggers/{trigger_id}/toggle", json=body), Toggled)


# --- commands -----------------------------------------------------------------------------


def _action(args: argparse.Namespace) -> dict[str, Any]:
    chosen = [bool(args.job), bool(args.agent), bool(args.webhook), bool(args.task)]
    chosen.append(bool(args.workflow))
    if sum(chosen) != 1:
        raise UsageError(
            "give one action: --job NAME, --agent ID with --prompt, --webhook ID, "
            "--task TITLE with --instructions, or --workflow ID"
        )
    if args.task:
        if not args.instructions:
            raise UsageError("--task needs --instructions")
        task: dict[str, Any] = {"title": args.task, "instructions": args.instructions}
        if args.task_agent:
            task["agent_id"] = args.task_agent
        return {"type": "create_task", "task": task}
    if args.workflow:
        return {"type": "run_workflow", "workflow_id": args.workflow}
    if args.agent:
        if not args.prompt:
            raise UsageError("--agent needs --prompt")
        return {"type": "run_agent", "agent_id": args.agent, "prompt": args.prompt}
    if args.webhook:
        return {"type": "webhook", "webhook_id": args.webhook}
    job: dict[str, Any] = {"name": args.job, "platform": args.platform}
    if args.description:
        job["description"] = args.description
    if args.features:
        job["features"] = args.features
    return {"type": "start_job", "job": job}


def _common(args: argparse.Namespace) -> dict[str, Any]:
    return {"name": args.name, "action": _action(args), "overlap": args.overlap}


def _print_created(ctx: Context, trigger: Trigger, as_json: bool) -> int:
    if as_json:
        ctx.json(trigger.as_json())
        return OK
    ctx.say(f"trigger {trigger.id} ({trigger.name}) created")
    if trigger.schedule_description:
        ctx.say(f"runs: {trigger.schedule_description}")
    for moment in trigger.next_fire_times or []:
        ctx.say(f"  next: {moment.isoformat()}")
    return OK


def add_schedule_command(ctx: Context, args: argparse.Namespace) -> int:
    kinds = {"cron": args.cron, "rate": args.rate, "at": args.at}
    given = {kind: value for kind, value in kinds.items() if value}
    if len(given) != 1:
        raise UsageError("give one of --cron, --rate or --at")
    config = {**given, "timezone": args.timezone}
    body = {**_common(args), "type": "schedule", "config": config}
    with ctx.client() as client:
        trigger = create(client, body)
    return _print_created(ctx, trigger, args.json)


def _filters(pairs: list[str]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for pair in pairs:
        path, sep, value = pair.partition("=")
        if not sep or not path:
            raise UsageError(f"--filter takes PATH=VALUE (data.sender_type=push), not {pair!r}")
        try:
            parsed: Any = json.loads(value)  # numbers and booleans as JSON
        except ValueError:
            parsed = value
        filters[path] = parsed if not isinstance(parsed, dict | list) else value
    return filters


def add_on_event_command(ctx: Context, args: argparse.Namespace) -> int:
    config = {"event": args.event, "filters": _filters(args.filter or [])}
    body = {**_common(args), "type": "event", "config": config}
    with ctx.client() as client:
        trigger = create(client, body)
    return _print_created(ctx, trigger, args.json)


def list_command(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        page = triggers(client, limit=args.limit, cursor=args.cursor)
    if args.json:
        ctx.json(page.as_json())
        return OK
    if not page.items:
        ctx.say("no triggers yet: factory triggers add-schedule / add-on-event")
        return OK
    rows = [
        [
            trigger.id,
            trigger.name,
            "on" if trigger.enabled else ("paused" if trigger.paused_reason else "off"),
            trigger.schedule_description or f"on {trigger.config.get('event', '?')}",
            str(trigger.action.get("type", "")),
        ]
        for trigger in page.items
    ]
    ctx.say(render.table(["id", "name", "state", "when", "action"], rows))
    if page.next_cursor:
        ctx.say(f"more: factory triggers list --cursor {page.next_cursor}")
    return OK


def fire_command(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        fired = fire(client, args.id)
    if args.json:
        ctx.json(fired.as_json())
    else:
        started = _started(fired)
        ctx.say(f"run {fired.run_id}: {fired.outcome}{', ' + started if started else ''}")
    return OK if fired.outcome != "failed" else 1


def history_command(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        page = history(client, args.id, limit=args.limit, cursor=args.cursor)
    if args.json:
        ctx.json(page.as_json())
        return OK
    if not page.items:
        ctx.say("no runs yet")
        return OK
    rows = [
        [
            run.fired_at.isoformat(),
            run.scheduled_for.isoformat(),
            run.reason,
            run.outcome,
            _started(run),
            run.error or "",
        ]
        for run in page.items
    ]
    headers = ["fired", "scheduled for", "reason", "outcome", "started", "error"]
    ctx.say(render.table(headers, rows))
    if page.next_cursor:
        ctx.say(f"more: factory triggers history {args.id} --cursor {page.next_cursor}")
    return OK


def toggle_command(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        answer = toggle(client, args.id, replay_missed=args.replay_missed)
    ctx.say(f"trigger {args.id} is {'on' if answer.enabled else 'off'}")
    return OK


def _action_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", required=True, help="what the trigger is called")
    parser.add_argument("--job", metavar="NAME", help="start a job of this name")
    parser.add_argument("--platform", default="web", help="the job's platform (default web)")
    parser.add_argument("--description", help="the job's description")
    parser.add_argument("--features", help="the job's features, comma-separated")
    parser.add_argument("--agent", metavar="ID", help="run this agent (with --prompt)")
    parser.add_argument("--prompt", help="the agent's prompt ({{event.data...}} for events)")
    parser.add_argument("--webhook", metavar="ID", help="deliver to this webhook endpoint")
    parser.add_argument("--task", metavar="TITLE", help="create a task (with --instructions)")
    parser.add_argument("--instructions", help="the task's instructions")
    parser.add_argument("--task-agent", metavar="ID", help="the agent that runs the task")
    parser.add_argument("--workflow", metavar="ID", help="start a run of this workflow")
    parser.add_argument(
        "--overlap",
        choices=["skip", "allow", "queue"],
        default="skip",
        help="when the previous run is still going (default skip)",
    )
    parser.add_argument("--json", action="store_true", help="print the API's JSON")


def add_commands(action: Action) -> None:
    """The actions of `factory triggers` (`action` adds one; __main__'s `group`)."""
    listed = action("list", list_command, "the team's triggers")
    listed.add_argument("--limit", type=int, default=20, help="how many (1-100, default 20)")
    listed.add_argument("--cursor", help="the next page's cursor, as printed")
    listed.add_argument("--json", action="store_true", help="print the API's JSON")

    schedule = action("add-schedule", add_schedule_command, "a trigger on a schedule")
    schedule.add_argument("--cron", help="'0 9 * * 1-5' (5 fields, or EventBridge's 6)")
    schedule.add_argument("--rate", help="'every 15 minutes' (at least 1 minute)")
    schedule.add_argument("--at", help="once, at an ISO time ('2027-03-01T09:00')")
    schedule.add_argument("--timezone", default="UTC", help="IANA name (default UTC)")
    _action_options(schedule)

    on_event = action("add-on-event", add_on_event_command, "a trigger on a product event")
    on_event.add_argument("event", help="an event type (job.failed), a prefix (job.*) or *")
    on_event.add_argument(
        "--filter", action="append", metavar="PATH=VALUE", help="data.sender_type=push"
    )
    _action_options(on_event)

    fired = action("fire", fire_command, "run a trigger's action now (exit 1 if it failed)")
    fired.add_argument("id", help="trigger id (`factory triggers list` shows them)")
    fired.add_argument("--json", action="store_true", help="print the API's JSON")

    runs = action("history", history_command, "a trigger's runs, newest first")
    runs.add_argument("id", help="trigger id")
    runs.add_argument("--limit", type=int, default=20, help="how many (1-100, default 20)")
    runs.add_argument("--cursor", help="the next page's cursor, as printed")
    runs.add_argument("--json", action="store_true", help="print the API's JSON")

    toggled = action("toggle", toggle_command, "turn a trigger off, or on again")
    toggled.add_argument("id", help="trigger id")
    toggled.add_argument(
        "--replay-missed",
        action="store_true",
        help="when turning it on: run the fires it missed while off",
    )
