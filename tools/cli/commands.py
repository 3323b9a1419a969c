"""What each `factory` command does. Each takes the run's `Context` and its parsed
arguments and returns the exit code; errors are raised (`ApiError`, `UsageError`) and
turned into one message and exit code 2 by `__main__`."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx

from tools.cli import render
from tools.cli.client import ApiClient, ApiError
from tools.cli.live import follow
from tools.cli.models import Job
from tools.cli.progress import make_progress
from tools.cli.watch import Polling, pending_approval

# Exit codes: scripts and CI branch on them.
OK = 0
JOB_FAILED = 1  # the job failed or was cancelled
ERROR = 2  # bad usage, or the API refused or could not be reached
INTERRUPTED = 130  # Ctrl+C, as shells report SIGINT


class UsageError(Exception):
    """A mistake on the command line the parser cannot see (a missing file, a bad URL)."""


@dataclass
class Context:
    out: TextIO
    err: TextIO
    url: str
    token: str | None
    timeout: float = 30.0
    live: bool = False
    polling: Polling = field(default_factory=Polling)
    # Tests hand in an httpx.MockTransport; None is the real network.
    transport: httpx.BaseTransport | None = None
    environ: Mapping[str, str] = field(default_factory=dict)

    def client(self) -> ApiClient:
        try:
            return ApiClient(
                self.url,
                self.token,
                timeout=httpx.Timeout(self.timeout, connect=min(5.0, self.timeout)),
                transport=self.transport,
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from exc

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def note(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()

    def json(self, data: Any) -> None:
        self.say(json.dumps(data, indent=2, ensure_ascii=False))


# --- generate ----------------------------------------------------------------------------

_ARTICLES = {"a", "an", "the"}


def title_from_idea(idea: str, max_words: int = 6, max_length: int = 60) -> str:
    """A short job name from the idea: its first clause, without a leading article, at most
    a few words ("A todo list app, with reminders" -> "Todo list app")."""
    clause = re.split(r"[.,;:!?()\n]", idea.strip(), maxsplit=1)[0]
    words = re.findall(r"[\w'&+-]+", clause)
    while words and words[0].lower() in _ARTICLES:
        words.pop(0)
    title = ""
    for word in words[:max_words]:
        if len(title) + len(word) + 1 > max_length:
            break
        title = f"{title} {word}".strip()
    return (title[:1].upper() + title[1:]) if title else "Untitled app"


def job_request(args: argparse.Namespace) -> dict[str, Any]:
    """The POST /jobs body. Only what was given is sent: the server's defaults and its
    validation (422 with the allowed values) stay the single source of truth."""
    idea = args.idea.strip()
    if not idea:
        raise UsageError('the idea is empty: say what to build, e.g. "A todo list app"')
    body: dict[str, Any] = {"name": args.name or title_from_idea(idea), "description": idea}
    for key in ("platform", "style", "backend", "features", "slug"):
        if getattr(args, key) is not None:
            body[key] = getattr(args, key)
    gates = [gate.strip() for raw in args.gate or [] for gate in raw.split(",") if gate.strip()]
    if gates:
        body["approval_gates"] = gates
    if args.max_repairs is not None:
        body["max_repair_attempts"] = args.max_repairs
    return body


def generate(ctx: Context, args: argparse.Namespace) -> int:
    body = job_request(args)
    out = _out_path(args.out)
    # One key per invocation: the client's retries of this POST reuse it, so a lost answer
    # never becomes a second job. --idempotency-key extends that to re-running the command.
    key = args.idempotency_key or str(uuid.uuid4())
    with ctx.client() as client:
        job = client.create_job(body, key)
        if not (args.wait or out):
            ctx.say(f"job {job.slug} ({job.id}): {job.status}")
            ctx.say(f"  follow it: factory status {shlex.quote(job.slug)} --wait")
            return OK
        return _follow(ctx, client, job, out)


def _follow(ctx: Context, client: ApiClient, job: Job, out: Path | None) -> int:
    """Watch to the end, say how it ended, fetch the ZIP if asked; the exit code says it."""
    view = make_progress(ctx.out, live=ctx.live)
    try:
        # Live over the WebSocket when the API serves one, else (or if it fails) polling.
        job = follow(client, job.id, view, token=ctx.token, polling=ctx.polling, note=ctx.note)
    except KeyboardInterrupt:
        ctx.note(f"\nstopped watching; the job goes on: factory status {job.slug} --wait")
        return INTERRUPTED
    ctx.say(_ending(job))
    if job.status != "passed":
        if job.status == "failed":
            ctx.say(f"  retry: factory retry {shlex.quote(job.slug)}")
        return JOB_FAILED
    if out is not None:
        size = client.download(job.id, out)
        ctx.say(f"saved {out} ({_size(size)})")
    return OK


def _ending(job: Job) -> str:
    took = ""
    if job.started_at and job.finished_at:
        took = f" in {render.duration((job.finished_at - job.started_at).total_seconds())}"
    spent = f"{render.token_pair(job.tokens_in, job.tokens_out)}, {render.cost(job.cost_usd)}"
    line = f"job {job.slug} {job.status}{took}: {spent}"
    if job.status == "failed":
        line += f"\n  failed at {job.current_phase or 'a phase'}: {job.error or 'no detail'}"
    return line


def _size(size: int) -> str:
    return f"{size} bytes" if size < 1024 else f"{size / 1024:.1f} KiB"


def _out_path(value: str | None) -> Path | None:
    if value is None:
        return None
    path = Path(value).expanduser()
    # Checked before the job starts: finding out after a ten-minute job is too late.
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {value}: {path.parent} is not a directory")
    return path


# --- jobs --------------------------------------------------------------------------------


def jobs(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        page = client.list_jobs(limit=args.limit, cursor=args.cursor)
    if args.json:
        ctx.json(page.as_json())
        return OK
    if not page.items:
        ctx.say('no jobs yet: factory generate "A todo list app" --platform web --wait')
        return OK
    ctx.say(render.jobs_table(page.items))
    if page.next_cursor:
        ctx.say(
            f"\n{len(page.items)} of {page.total}; more: factory jobs --cursor {page.next_cursor}"
        )
    return OK


def status(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        job = client.get_job(args.ref)
        if args.wait:  # a finished job too: its phases, how it ended, the ZIP if asked
            return _follow(ctx, client, job, _out_path(args.out))
        phases = client.phases(job.id)
        approval = pending_approval(client, job) if job.status == "waiting_approval" else None
    if args.json:
        ctx.json({"job": job.as_json(), "phases": [phase.as_json() for phase in phases]})
        return OK
    ctx.say(render.job_summary(job))
    ctx.say()
    ctx.say(render.phases_table(phases))
    if approval is not None:
        ctx.say()
        ctx.say(render.approve_hint(approval.id))
    return OK


def watch_job(ctx: Context, args: argparse.Namespace) -> int:
    """`factory watch JOB`: follow a job live to its end (as `status --wait`)."""
    with ctx.client() as client:
        job = client.get_job(args.ref)
        return _follow(ctx, client, job, _out_path(args.out))


def cancel(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        answer = client.cancel(args.ref)
    if answer.status == "cancelled":
        ctx.say(f"job {answer.slug} cancelled")
    else:
        ctx.say(f"cancel requested for job {answer.slug}: it stops at the next phase boundary")
    return OK


def retry(ctx: Context, args: argparse.Namespace) -> int:
    out = _out_path(args.out)
    with ctx.client() as client:
        job = client.retry(args.ref, args.from_phase)
        if not (args.wait or out):
            where = f" from {args.from_phase}" if args.from_phase else ""
            ctx.say(f"job {job.slug} retrying{where}: {job.status}")
            ctx.say(f"  follow it: factory status {shlex.quote(job.slug)} --wait")
            return OK
        return _follow(ctx, client, job, out)


def download(ctx: Context, args: argparse.Namespace) -> int:
    out = _out_path(args.out)
    assert out is not None  # required by the parser
    with ctx.client() as client:
        size = client.download(args.ref, out)
    ctx.say(f"saved {out} ({_size(size)})")
    return OK


# --- approvals ---------------------------------------------------------------------------


def approvals(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        if args.id:
            detail = client.approval(args.id)
            if args.json:
                ctx.json(detail.as_json())
                return OK
            ctx.say(f"approval {detail.id}: {detail.status}")
            ctx.say(f"  job {detail.job_slug or detail.job_id}, {detail.what or detail.phase}")
            if detail.status == "pending":
                ctx.say("  " + render.approve_hint(detail.id).replace("\n", "\n  "))
            ctx.say()
            ctx.say(detail.output or "(no output)")
            return OK
        queue = client.approvals(args.status)
        if args.json:
            ctx.json(queue.as_json())
            return OK
        slugs = _slugs(client) if queue.items else {}
    if not queue.items:
        counts = ", ".join(f"{count} {name}" for name, count in sorted(queue.counts.items()))
        ctx.say(f"no {args.status} approvals" + (f" ({counts})" if counts else ""))
        return OK
    ctx.say(render.approvals_table(queue.items, slugs))
    return OK


def _slugs(client: ApiClient) -> dict[str, str]:
    """Job ids to slugs, for a readable approvals table; ids are shown if this fails."""
    try:
        return {job.id: job.slug for job in client.list_jobs(limit=100).items}
    except ApiError:
        return {}


def approve(ctx: Context, args: argparse.Namespace) -> int:
    edited = _read_text(args.edit) if args.edit else None
    with ctx.client() as client:
        approval = client.approve(args.id, edited, args.new_limit)
    what = " with the edited output" if edited is not None else ""
    if args.new_limit is not None:
        what = f" with the limit raised to ${args.new_limit:g}"
    ctx.say(f"approved {approval.phase} ({approval.id}){what}: the job goes on")
    return OK


def reject(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        approval = client.reject(args.id, args.reason, send_back=args.send_back)
    if approval.status == "revise":
        ctx.say(f"sent {approval.phase} back ({approval.id}): the phase runs again")
    else:
        ctx.say(f"rejected {approval.phase} ({approval.id}): the job fails")
    return OK


def _read_text(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {name}: {exc}") from exc


# --- webhooks ------------------------------------------------------------------------------


def _events(raw: str) -> list[str]:
    events = [event.strip() for event in raw.split(",") if event.strip()]
    if not events:
        raise UsageError('--events is empty: name event types, e.g. job.completed, or "*"')
    return events


def webhooks_list(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        page = client.webhooks(cursor=args.cursor)
    if args.json:
        ctx.json(page.as_json())
        return OK
    if not page.items:
        ctx.say("no webhooks yet: factory webhooks add https://example.com/hook --events '*'")
        return OK
    ctx.say(render.webhooks_table(page.items))
    for webhook in page.items:
        if webhook.disabled_reason:
            ctx.say(f"\n{webhook.id} is disabled: {webhook.disabled_reason}")
    if page.next_cursor:
        ctx.say(f"\nmore: factory webhooks list --cursor {page.next_cursor}")
    return OK


def webhooks_add(ctx: Context, args: argparse.Namespace) -> int:
    events = _events(args.events)
    with ctx.client() as client:
        webhook = client.add_webhook(
            args.endpoint, events, description=args.description, enabled=not args.disabled
        )
    if args.json:
        ctx.json(webhook.as_json())
        return OK
    state = "enabled" if webhook.enabled else "disabled"
    ctx.say(f"webhook {webhook.id} ({state}): {', '.join(webhook.events)} -> {webhook.url}")
    # The secret is shown once, by the API and so by us: say so where it cannot be missed.
    ctx.say(f"  signing secret (shown only now, keep it): {webhook.secret}")
    ctx.say(f"  try it: factory webhooks test {webhook.id}")
    return OK


def webhooks_deliveries(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        page = client.deliveries(args.id, limit=args.limit, cursor=args.cursor)
    if args.json:
        ctx.json(page.as_json())
        return OK
    if not page.items:
        ctx.say(f"no deliveries to webhook {args.id} yet")
        return OK
    ctx.say(render.deliveries_table(page.items))
    if page.next_cursor:
        ctx.say(f"\nmore: factory webhooks deliveries {args.id} --cursor {page.next_cursor}")
    return OK


def webhooks_test(ctx: Context, args: argparse.Namespace) -> int:
    """Exit 0 when the endpoint accepted the signed webhook.test, 1 when it did not."""
    with ctx.client() as client:
        outcome = client.test_webhook(args.id)
    if args.json:
        ctx.json(outcome.as_json())
    else:
        code = "no answer" if outcome.response_code is None else str(outcome.response_code)
        line = f"test delivery {outcome.delivery_id}: {outcome.status} ({code})"
        ctx.say(line + (f": {outcome.error}" if outcome.error else ""))
    return OK if outcome.status == "succeeded" else JOB_FAILED


# --- dead letters -------------------------------------------------------------------------


def dead_letter_list(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        page = client.dead_letters(
            source=args.source, status=args.status, limit=args.limit, cursor=args.cursor
        )
    if args.json:
        ctx.json(page.as_json())
        return OK
    if not page.items:
        filtered = " for that filter" if args.source or args.status else ""
        ctx.say(f"the dead-letter queue is empty{filtered}")
        return OK
    ctx.say(render.dead_letters_table(page.items))
    if page.next_cursor:
        ctx.say(f"\n{len(page.items)} of {page.total}; more: --cursor {page.next_cursor}")
    return OK


def dead_letter_retry(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        item = client.retry_dead_letter(args.id)
    ctx.say(f"dead-letter item {item.id} sent back to {item.origin_queue}")
    return OK


def dead_letter_retry_all(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.client() as client:
        answer = client.retry_all_dead_letters(limit=args.limit, source=args.source)
    ctx.say(f"{answer.queued} dead-letter item(s) sent back to their queues")
    if args.limit is not None and answer.queued == args.limit:
        ctx.say("  more may wait: run it again")
    return OK


# --- login -------------------------------------------------------------------------------


def login(ctx: Context, args: argparse.Namespace) -> int:
    admin_key = (
        args.admin_key or ctx.environ.get("FACTORY_ADMIN_KEY") or ctx.environ.get("ADMIN_API_KEY")
    )
    if admin_key == "-":  # keeps the key out of the shell history and `ps`
        admin_key = sys.stdin.readline().strip()
    if not admin_key:
        raise UsageError("no admin key: pass --admin-key KEY (or - to read it from stdin)")
    with ctx.client() as client:
        answer = client.issue_token(admin_key, args.team, args.role)
        url = client.base_url
    lines = (
        f"export FACTORY_URL={shlex.quote(url)}\nexport FACTORY_TOKEN={shlex.quote(answer.token)}\n"
    )
    hours = f", valid {answer.expires_in // 3600} h" if answer.expires_in >= 3600 else ""
    ctx.note(f"a token for team {answer.team_id} ({answer.role}{hours})")
    if args.save:
        _write_private(Path(args.save).expanduser(), lines)
        ctx.note(f'saved to {args.save}: source it, or eval "$(factory login ...)"')
    ctx.out.write(lines)
    ctx.out.flush()
    return OK


def _write_private(path: Path, text: str) -> None:
    """The token is a credential: the file is readable by its owner only, from creation."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        path.chmod(0o600)  # an existing file keeps its mode through O_TRUNC
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc}") from exc
