"""`factory`: start, follow and steer Software Factory jobs from a terminal or CI.

Configuration: --url or FACTORY_URL (default http://127.0.0.1:8000, what `make dev`
serves), --token or FACTORY_TOKEN (`factory login` prints one).

Exit codes: 0 done (a watched job passed, a followed workflow run completed), 1 a
watched job or a followed run failed or was cancelled, 2 bad usage or an API error, 130
interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

import httpx

from tools.cli import chat as chat_commands
from tools.cli import commands, notifications_commands, triggers_commands
from tools.cli import tasks as tasks_commands
from tools.cli import workflows as workflows_commands
from tools.cli.client import DEFAULT_URL, ApiError
from tools.cli.commands import ERROR, INTERRUPTED, Context, UsageError
from tools.cli.watch import Polling

# The API's dead-letter sources: each work queue, the bus, an item added by hand (the CLI
# does not import the server's code; a test holds this equal to shared.dead_letter's).
DEAD_LETTER_SOURCES = (
    "bus-events",
    "webhook-deliveries",
    "hook-events",
    "live-events",
    "trigger-fires",
    "trigger-events",
    "notification-deliveries",
    "notification-events",
    "chat-tickets",
    "task-runs",
    "workflow-steps",
    "knowledge-index",
    "team-wipes",
    "payment-events",
    "discovery-runs",
    "bus",
    "manual",
)

Handler = Callable[[Context, argparse.Namespace], int]

_EXAMPLES = """\
examples:
  eval "$(factory login --admin-key $ADMIN_API_KEY)"
  factory generate "A todo list app" --platform web --features auth,notes --wait --out app.zip
  factory generate "A recipe box" --platform web --gate architect --wait
  factory approvals
  factory approve 01J... --edit architecture.md
  factory status todo-list-app
  factory watch todo-list-app
  factory webhooks add https://example.com/hook --events job.completed,job.failed
  factory dead-letter list --status pending
"""


def _parser_type(out: TextIO, err: TextIO) -> type[argparse.ArgumentParser]:
    """An ArgumentParser writing help and usage errors to this run's streams rather than
    the process-wide sys.stdout/sys.stderr (tests run commands side by side in threads)."""

    class Parser(argparse.ArgumentParser):
        def _print_message(self, message: str, file: Any = None) -> None:
            if message:
                (err if file is sys.stderr else out).write(message)

    return Parser


def _add_connection_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # Accepted before and after the command (`factory --url X jobs`, `factory jobs --url X`).
    # On the subcommands the default is SUPPRESS so they do not overwrite the top-level value.
    default: Any = None if top else argparse.SUPPRESS
    group = parser.add_argument_group("connection")
    group.add_argument("--url", default=default, help="API base URL (env FACTORY_URL)")
    group.add_argument("--token", default=default, help="bearer token (env FACTORY_TOKEN)")
    group.add_argument(
        "--timeout",
        type=_positive_float,
        default=30.0 if top else argparse.SUPPRESS,
        help="seconds to wait for each answer (default 30; connecting: at most 5)",
    )
    group.add_argument(
        "--plain",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="plain lines instead of the live display (automatic without a terminal)",
    )


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return number


def build_parser(out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> argparse.ArgumentParser:
    parser_type = _parser_type(out, err)
    parser = parser_type(
        prog="factory",
        description=__doc__,
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_connection_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        child = sub.add_parser(name, help=help_text, description=help_text)
        _add_connection_options(child, top=False)
        child.set_defaults(handler=handler)
        return child

    def wait_options(child: argparse.ArgumentParser) -> None:
        child.add_argument(
            "--wait", action="store_true", help="follow the job until it passes or fails"
        )
        child.add_argument(
            "--out", metavar="FILE", help="after a pass, save the ZIP here (implies --wait)"
        )

    login = command("login", commands.login, "get a token with the admin key")
    login.add_argument(
        "--admin-key",
        help="the admin key, or - to read it from stdin "
        "(env FACTORY_ADMIN_KEY, else ADMIN_API_KEY)",
    )
    login.add_argument("--team", default="default", help="team of the token (default: default)")
    login.add_argument(
        "--role", default="admin", choices=["admin", "member", "agent"], help="default: admin"
    )
    login.add_argument("--save", metavar="PATH", help="also write the export lines here (0600)")

    generate = command("generate", commands.generate, "start a job from an idea")
    generate.add_argument("idea", help='what to build, e.g. "A todo list app"')
    generate.add_argument("--name", help="job name (default: a short title from the idea)")
    generate.add_argument("--platform", help="web, python-api or android,ios")
    generate.add_argument("--features", help="comma-separated, e.g. auth,notes")
    generate.add_argument("--style", help="modern, minimal, playful, corporate or dark")
    generate.add_argument("--backend", help="none, rest, firebase or supabase")
    generate.add_argument("--slug", help="the job's slug (default: from the name)")
    generate.add_argument(
        "--gate",
        action="append",
        metavar="PHASE",
        help="wait for approval after this phase (repeatable, or comma-separated)",
    )
    generate.add_argument(
        "--max-repairs", type=int, metavar="N", help="repair attempts after failed checks"
    )
    generate.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="reuse a key to make re-running this command start no second job "
        "(default: a new one per run)",
    )
    wait_options(generate)

    jobs = command("jobs", commands.jobs, "list the team's jobs, newest first")
    jobs.add_argument("--limit", type=int, default=20, help="how many (1-100, default 20)")
    jobs.add_argument("--cursor", help="the next page's cursor, as printed")
    jobs.add_argument("--json", action="store_true", help="print the API's JSON")

    status = command("status", commands.status, "a job and its phases")
    status.add_argument("ref", help="job id or slug")
    status.add_argument("--json", action="store_true", help="print the API's JSON")
    wait_options(status)

    approvals = command("approvals", commands.approvals, "the approval queue, or one approval")
    approvals.add_argument("id", nargs="?", help="show this approval with the output to review")
    approvals.add_argument(
        "--status",
        default="pending",
        choices=["pending", "approved", "rejected", "revise", "all"],
        help="default: pending",
    )
    approvals.add_argument("--json", action="store_true", help="print the API's JSON")

    approve = command("approve", commands.approve, "approve a phase: the job goes on")
    approve.add_argument("id", help="approval id (`factory approvals` lists them)")
    approve.add_argument(
        "--edit", metavar="FILE", help="replace the phase's output with this file (- for stdin)"
    )
    approve.add_argument(
        "--new-limit",
        type=float,
        metavar="USD",
        help="a budget approval: raise the limit the job hit to this many dollars (admins)",
    )

    reject = command(
        "reject", commands.reject, "reject a phase: the job fails, or the phase reruns"
    )
    reject.add_argument("id", help="approval id")
    reject.add_argument("--reason", required=True, help="why (the phase sees it when sent back)")
    reject.add_argument(
        "--send-back",
        action="store_true",
        help="run the phase again instead of failing the job (default: the team's on_reject)",
    )

    watched = command(
        "watch", commands.watch_job, "follow a job live (WebSocket; polls if it cannot)"
    )
    watched.add_argument("ref", help="job id or slug")
    watched.add_argument("--out", metavar="FILE", help="after a pass, save the ZIP here")

    cancel = command("cancel", commands.cancel, "stop a job at the next phase boundary")
    cancel.add_argument("ref", help="job id or slug")

    retry = command("retry", commands.retry, "run a failed or cancelled job again")
    retry.add_argument("ref", help="job id or slug")
    retry.add_argument(
        "--from",
        dest="from_phase",
        metavar="PHASE",
        help="start at this phase (default: the failed one)",
    )
    wait_options(retry)

    def group(name: str, help_text: str) -> Callable[[str, Handler, str], argparse.ArgumentParser]:
        """`factory NAME ACTION ...`: a command whose actions are commands of their own."""
        parent = sub.add_parser(name, help=help_text, description=help_text)
        actions = parent.add_subparsers(dest="action", metavar="ACTION", required=True)

        def action(verb: str, handler: Handler, text: str) -> argparse.ArgumentParser:
            child = actions.add_parser(verb, help=text, description=text)
            _add_connection_options(child, top=False)
            child.set_defaults(handler=handler)
            return child

        return action

    webhook = group("webhooks", "outbound webhooks: list, add, deliveries, test")
    listed = webhook("list", commands.webhooks_list, "the team's webhooks")
    listed.add_argument("--cursor", help="the next page's cursor, as printed")
    listed.add_argument("--json", action="store_true", help="print the API's JSON")
    add = webhook("add", commands.webhooks_add, "subscribe a URL to events (prints its secret)")
    # Not `url`: that is the API's own URL (--url).
    add.add_argument(
        "endpoint", metavar="URL", help="where deliveries are POSTed (https when deployed)"
    )
    add.add_argument(
        "--events", required=True, help='comma-separated event types, or "*" for every one'
    )
    add.add_argument("--description", help="what the endpoint is for")
    add.add_argument("--disabled", action="store_true", help="create it switched off")
    add.add_argument("--json", action="store_true", help="print the API's JSON")
    deliveries = webhook("deliveries", commands.webhooks_deliveries, "a webhook's deliveries")
    deliveries.add_argument("id", help="webhook id (`factory webhooks list` shows them)")
    deliveries.add_argument("--limit", type=int, default=20, help="how many (1-100)")
    deliveries.add_argument("--cursor", help="the next page's cursor, as printed")
    deliveries.add_argument("--json", action="store_true", help="print the API's JSON")
    tested = webhook(
        "test", commands.webhooks_test, "send a signed webhook.test now (exit 1 if refused)"
    )
    tested.add_argument("id", help="webhook id")
    tested.add_argument("--json", action="store_true", help="print the API's JSON")

    dead = group("dead-letter", "the dead-letter queue (admins): list, retry, retry-all")
    dead_list = dead("list", commands.dead_letter_list, "items, newest first")
    dead_list.add_argument(
        "--source",
        choices=DEAD_LETTER_SOURCES,
        help="only items from this source",
    )
    dead_list.add_argument("--status", choices=["pending", "retried"], help="only this status")
    dead_list.add_argument("--limit", type=int, default=20, help="how many (1-100)")
    dead_list.add_argument("--cursor", help="the next page's cursor, as printed")
    dead_list.add_argument("--json", action="store_true", help="print the API's JSON")
    dead_retry = dead("retry", commands.dead_letter_retry, "send an item back to its queue")
    dead_retry.add_argument("id", help="dead-letter item id")
    dead_all = dead(
        "retry-all", commands.dead_letter_retry_all, "send pending items back, oldest first"
    )
    dead_all.add_argument("--limit", type=int, help="at most this many (1-100, default 100)")
    dead_all.add_argument(
        "--source",
        choices=DEAD_LETTER_SOURCES,
        help="only items from this source",
    )

    notifications_commands.add_commands(
        group("notifications", "your notifications: list, read-all")
    )
    triggers_commands.add_commands(
        group("triggers", "scheduled and event triggers: list, add, fire, history, toggle")
    )

    chat_commands.add_command(command)
    tasks_commands.add_commands(
        group("tasks", "tasks for agents and people: add, list, show, cancel")
    )
    workflows_commands.add_commands(
        group("workflows", "workflows: run (and follow), a run's status, list")
    )

    download = command("download", commands.download, "save a passed job's ZIP")
    download.add_argument("ref", help="job id or slug")
    download.add_argument("--out", required=True, metavar="FILE", help="where to save it")
    return parser


def run(
    argv: Sequence[str],
    *,
    stdout: TextIO,
    stderr: TextIO,
    environ: Mapping[str, str],
    transport: httpx.BaseTransport | None = None,
    polling: Polling | None = None,
) -> int:
    """`main` with its world handed in, for tests: streams, environment, transport."""
    parser = build_parser(stdout, stderr)
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exit_:  # --help (0) and usage errors (2): argparse exits
        return exit_.code if isinstance(exit_.code, int) else ERROR
    live = not args.plain and stdout.isatty() and environ.get("TERM") != "dumb"
    ctx = Context(
        out=stdout,
        err=stderr,
        url=args.url or environ.get("FACTORY_URL") or DEFAULT_URL,
        token=args.token or environ.get("FACTORY_TOKEN") or None,
        timeout=args.timeout,
        live=live,
        polling=polling or Polling(),
        transport=transport,
        environ=environ,
    )
    handler: Handler = args.handler
    try:
        return handler(ctx, args)
    except ApiError as error:
        lines = error.lines()
        ctx.note(f"error: {lines[0]}")
        for line in lines[1:]:
            ctx.note(line)
        return ERROR
    except UsageError as error:
        ctx.note(f"error: {error}")
        return ERROR
    except BrokenPipeError:
        raise  # `factory jobs | head`: main() ends quietly
    except OSError as error:  # writing the ZIP, reading a file
        ctx.note(f"error: {error}")
        return ERROR
    except KeyboardInterrupt:
        ctx.note("\ninterrupted")
        return INTERRUPTED


def main(argv: list[str] | None = None) -> int:
    try:
        return run(
            sys.argv[1:] if argv is None else argv,
            stdout=sys.stdout,
            stderr=sys.stderr,
            environ=os.environ,
        )
    except BrokenPipeError:
        # The reader went away: point stdout at /dev/null so the interpreter's final flush
        # does not complain, and exit as a process killed by SIGPIPE would.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13


if __name__ == "__main__":
    sys.exit(main())
