"""How a watched job is shown: a live board (one bar per phase) on a terminal, plain lines
(one per transition) everywhere else, so CI logs stay readable and diffable."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from tools.cli import render
from tools.cli.models import DONE_PHASE_STATUSES, Approval, Job, Phase

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live


@dataclass(frozen=True)
class Snapshot:
    """One poll: the job, its phases and, while it waits, the approval it waits for."""

    job: Job
    phases: list[Phase]
    approval: Approval | None = None
    # True while the job waits but the approval could not be looked up (e.g. the token's
    # role may not list approvals); the view then points at `factory approvals`.
    approval_unknown: bool = False

    def key(self) -> tuple[Any, ...]:
        """What counts as a change (progress resets the polling back-off)."""
        return (
            self.job.status,
            self.job.current_phase,
            self.job.cancel_requested,
            tuple((phase.phase, phase.status, phase.attempts) for phase in self.phases),
            self.approval.id if self.approval else None,
        )


class ProgressView(Protocol):
    def update(self, snapshot: Snapshot) -> None: ...

    def close(self) -> None: ...


def _waiting_lines(snapshot: Snapshot) -> list[str]:
    phase = snapshot.job.current_phase or "a phase"
    if snapshot.approval is not None:
        return [
            f"{snapshot.approval.phase} waits for approval",
            *render.approve_hint(snapshot.approval.id).splitlines(),
        ]
    return [f"{phase} waits for approval: `factory approvals` lists it"]


# The end is told by the caller's summary, a wait by the approval lines.
_TOLD_ELSEWHERE = frozenset({"passed", "failed", "cancelled", "waiting_approval"})


@dataclass
class PlainProgress:
    """A line per change: the job's status, each phase's status, each approval asked for.
    Phases already done when watching starts are printed once, so every phase shows."""

    out: TextIO
    clock: Callable[[], float] = time.monotonic
    _started: float | None = None
    _job_status: str | None = None
    _phases: dict[str, tuple[str, int]] = field(default_factory=dict)
    _announced: set[str] = field(default_factory=set)

    def update(self, snapshot: Snapshot) -> None:
        job = snapshot.job
        if self._started is None:
            self._started = self.clock()
            self._write(f"job {job.slug} ({job.id}): {job.status}")
            self._job_status = job.status
        if job.status != self._job_status and job.status not in _TOLD_ELSEWHERE:
            self._write(f"{self._stamp()}job {job.status}")
        self._job_status = job.status
        width = max((len(phase.phase) for phase in snapshot.phases), default=0)
        for phase in snapshot.phases:
            state = (phase.status, phase.attempts)
            if self._phases.get(phase.phase, ("pending", phase.attempts)) != state:
                self._write(self._stamp() + _phase_line(phase, width))
            self._phases[phase.phase] = state
        if job.status == "waiting_approval":
            marker = snapshot.approval.id if snapshot.approval else "?"
            if marker not in self._announced:
                self._announced.add(marker)
                for line in _waiting_lines(snapshot):
                    self._write(f"{self._stamp()}{line}")

    def close(self) -> None:
        self.out.flush()

    def _stamp(self) -> str:
        elapsed = self.clock() - (self._started or self.clock())
        return f"[{elapsed:6.1f}s] "

    def _write(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()  # a CI log or a pipe should see each line as it happens


def _phase_line(phase: Phase, width: int) -> str:
    parts = [phase.phase.ljust(width), phase.status]
    if phase.attempts > 1:
        parts.append(f"(attempt {phase.attempts})")
    if phase.status in DONE_PHASE_STATUSES and phase.status != "cancelled":
        parts.append(render.duration(render.phase_seconds(phase)))
        if phase.model:  # tool-only phases ask no model
            parts += [
                render.token_pair(phase.tokens_in, phase.tokens_out),
                render.cost(phase.cost_usd),
            ]
    line = "  ".join(parts)
    return f"{line}: {phase.error}" if phase.error else line


# --- the live board (rich) ---------------------------------------------------------------

_STYLES = {
    "passed": "green",
    "skipped": "dim",
    "failed": "red",
    "cancelled": "red",
    "running": "cyan",
    "waiting_approval": "yellow",
    "pending": "dim",
}
_ICONS = {
    "passed": "✓",
    "skipped": "-",
    "failed": "✗",
    "cancelled": "✗",
    "waiting_approval": "⏸",
    "pending": "·",
}


class Board:
    """The live renderable. Rich asks for it several times a second, between polls too,
    so the running phase's spinner and timer move while the poller waits."""

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.started = time.monotonic()

    def __rich__(self) -> RenderableType:
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        snapshot = self.snapshot  # one read: the poller may swap it meanwhile
        if snapshot is None:
            return Text("starting…", style="dim")
        job, now = snapshot.job, datetime.now(UTC)
        done = sum(phase.status in DONE_PHASE_STATUSES for phase in snapshot.phases)
        header = Table.grid(padding=(0, 1))
        header.add_row(
            Text(f"{job.slug}", style="bold"),
            Text(job.status, style=_STYLES.get(job.status, "")),
            ProgressBar(total=max(1, len(snapshot.phases)), completed=done, width=30),
            Text(f"{done}/{len(snapshot.phases)} phases", style="dim"),
            Text(render.duration(self._elapsed(job, now)), style="dim"),
        )
        board = Table.grid(padding=(0, 2))
        for phase in snapshot.phases:
            style = _STYLES.get(phase.status, "")
            icon: RenderableType = (
                Spinner("dots", style=style)
                if phase.status == "running"
                else Text(_ICONS.get(phase.status, "?"), style=style)
            )
            finished = phase.status in DONE_PHASE_STATUSES or phase.status == "waiting_approval"
            bar = ProgressBar(
                total=1,
                completed=1 if finished else 0,
                width=16,
                pulse=phase.status == "running",
                complete_style=style,
                finished_style=style,
            )
            seconds = render.phase_seconds(phase, now)
            board.add_row(
                icon,
                Text(phase.phase, style="bold" if phase.status == "running" else ""),
                bar,
                Text(phase.status, style=style),
                render.duration(seconds) if seconds is not None else "",
                render.token_pair(phase.tokens_in, phase.tokens_out) if phase.model else "",
                render.cost(phase.cost_usd) if phase.model else "",
            )
        parts: list[RenderableType] = [header, board]
        if job.status == "waiting_approval":
            parts.append(Text("\n".join(_waiting_lines(snapshot)), style="yellow"))
        failed = [phase for phase in snapshot.phases if phase.error]
        for phase in failed:
            parts.append(Text(f"{phase.phase}: {phase.error}", style="red"))
        return Group(*parts)

    def _elapsed(self, job: Job, now: datetime) -> float:
        # The job's own time once it started (right when attaching to a running job too);
        # until then, how long we have been watching.
        if job.started_at is not None:
            return max(0.0, ((job.finished_at or now) - job.started_at).total_seconds())
        return time.monotonic() - self.started


class LiveProgress:
    def __init__(self, console: Console) -> None:
        from rich.live import Live

        self.board = Board()
        self.live: Live = Live(self.board, console=console, refresh_per_second=8)
        self._running = False

    def update(self, snapshot: Snapshot) -> None:
        self.board.snapshot = snapshot
        if not self._running:
            self.live.start()
            self._running = True
        self.live.refresh()

    def close(self) -> None:
        if self._running:
            self.live.stop()  # leaves the last frame on screen
            self._running = False


def make_progress(out: TextIO, *, live: bool) -> ProgressView:
    """The live board when asked for and rich is there; plain lines otherwise."""
    if live:
        try:
            from rich.console import Console
        except ImportError:  # the CLI works without rich, only less prettily
            return PlainProgress(out)
        return LiveProgress(Console(file=out))
    return PlainProgress(out)
