"""Rendering: numbers, tables, plain progress lines and the live board."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from rich.console import Console

from tests.cli.fakes import job, phases
from tools.cli import render
from tools.cli.commands import title_from_idea
from tools.cli.models import Approval, Job, Phase
from tools.cli.progress import Board, LiveProgress, PlainProgress, Snapshot, make_progress

NOW = datetime(2026, 1, 1, 10, 5, tzinfo=UTC)


def snapshot(job_data: dict, phase_data: list[dict], approval: Approval | None = None) -> Snapshot:
    return Snapshot(Job(**job_data), [Phase(**p) for p in phase_data], approval)


def approval(approval_id: str = "01APPROVAL") -> Approval:
    return Approval(id=approval_id, job_id=job()["id"], phase="architect", status="pending")


@pytest.mark.parametrize(
    ("count", "text"), [(0, "0"), (9_999, "9,999"), (12_345, "12.3k"), (2_500_000, "2.50M")]
)
def test_tokens(count: int, text: str) -> None:
    assert render.tokens(count) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "-"), (0.042, "42 ms"), (1.25, "1.2 s"), (75, "1 min 15 s"), (7260, "2 h 01 min")],
)
def test_duration(seconds: float | None, text: str) -> None:
    assert render.duration(seconds) == text


def test_cost_keeps_fractions_of_a_cent_visible() -> None:
    assert render.cost(0.0123) == "$0.0123"
    assert render.cost(12.5) == "$12.50"


def test_ago_is_relative_and_never_negative() -> None:
    assert render.ago(datetime(2026, 1, 1, 10, 4, 30, tzinfo=UTC), NOW) == "30 s ago"
    assert render.ago(datetime(2026, 1, 1, 8, 0, tzinfo=UTC), NOW) == "2 h ago"
    assert render.ago(datetime(2026, 1, 2, tzinfo=UTC), NOW) == "0 s ago"  # clock skew
    assert render.ago(None, NOW) == "-"


def test_table_aligns_columns_without_trailing_spaces() -> None:
    text = render.table(["A", "LONGER"], [["wide cell", "x"], ["y", ""]])
    assert text.splitlines() == ["A          LONGER", "wide cell  x", "y"]


def test_jobs_table() -> None:
    text = render.jobs_table([Job(**job("running", "dev"))], now=NOW)
    header, row = text.splitlines()
    assert header.split() == ["SLUG", "STATUS", "PHASE", "TOKENS", "COST", "CREATED"]
    assert row.split() == ["todo-list-app", "running", "dev", "4,600", "$0.0123", "5", "min", "ago"]


def test_phases_table_times_a_running_phase_from_its_start() -> None:
    text = render.phases_table([Phase(**p) for p in phases("passed", "running")], now=NOW)
    lines = text.splitlines()
    assert lines[1].split()[:4] == ["create", "passed", "1.2", "s"]
    assert lines[2].split()[:5] == ["ba", "running", "4", "min", "59"]  # started 10:00:01
    assert lines[3].split()[:3] == ["architect", "pending", "-"]


def test_job_summary_shows_the_error() -> None:
    text = render.job_summary(Job(**job("failed", "dev", error="qa: 2 tests failed")), now=NOW)
    assert "status:   failed" in text
    assert "error:    qa: 2 tests failed" in text
    assert "time:     2.0 s" in text


@pytest.mark.parametrize(
    ("idea", "title"),
    [
        ("A todo list app", "Todo list app"),
        ("an app to track my runs, with maps and a weekly summary", "App to track my runs"),
        ("The    simplest   blog.  Markdown posts", "Simplest blog"),
        (
            "build a very long name for an application with many many words",
            "Build a very long name for",
        ),
        ("!!!", "Untitled app"),
    ],
)
def test_title_from_idea(idea: str, title: str) -> None:
    assert title_from_idea(idea) == title


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plain_progress_prints_one_line_per_transition() -> None:
    out, clock = io.StringIO(), Clock()
    view = PlainProgress(out, clock=clock)
    view.update(snapshot(job("queued"), phases()))
    view.update(snapshot(job("queued"), phases()))  # nothing changed: nothing printed
    clock.now += 1.5
    view.update(snapshot(job("running", "ba"), phases("passed", "running")))
    view.update(snapshot(job("running", "ba"), phases("passed", "running")))
    clock.now += 1
    view.update(snapshot(job("passed"), phases(*["passed"] * 5)))
    view.close()

    assert out.getvalue().splitlines() == [
        "job todo-list-app (01JOBID0000000000000000000): queued",
        "[   1.5s] job running",
        "[   1.5s] create     passed  1.2 s  100 in / 200 out  $0.0010",
        "[   1.5s] ba         running",
        "[   2.5s] ba         passed  1.2 s  100 in / 200 out  $0.0010",
        "[   2.5s] architect  passed  1.2 s  100 in / 200 out  $0.0010",
        "[   2.5s] dev        passed  1.2 s  100 in / 200 out  $0.0010",
        "[   2.5s] export     passed  1.2 s  100 in / 200 out  $0.0010",
    ]


def test_plain_progress_shows_phases_done_before_watching_and_errors() -> None:
    out = io.StringIO()
    view = PlainProgress(out, clock=Clock())
    view.update(snapshot(job("failed", "ba"), phases("passed", "failed", "cancelled")))
    lines = out.getvalue().splitlines()
    assert lines[1:] == [
        "[   0.0s] create     passed  1.2 s  100 in / 200 out  $0.0010",
        "[   0.0s] ba         failed  1.2 s  100 in / 200 out  $0.0010: tests failed",
        "[   0.0s] architect  cancelled",
    ]


def test_plain_progress_announces_each_approval_once_with_the_commands() -> None:
    out = io.StringIO()
    view = PlainProgress(out, clock=Clock())
    waiting = job("waiting_approval", "architect")
    state = phases("passed", "passed", "waiting_approval")
    view.update(snapshot(waiting, state, approval("01FIRST")))
    view.update(snapshot(waiting, state, approval("01FIRST")))
    text = out.getvalue()
    assert text.count("architect waits for approval") == 1
    assert "approve: factory approve 01FIRST" in text
    assert "factory reject 01FIRST --reason TEXT [--send-back]" in text
    # Sent back and waiting again: a new approval, announced again.
    view.update(snapshot(waiting, state, approval("01SECOND")))
    assert "factory approve 01SECOND" in out.getvalue()


def test_plain_progress_without_the_approval_points_at_the_queue() -> None:
    out = io.StringIO()
    view = PlainProgress(out, clock=Clock())
    view.update(snapshot(job("waiting_approval", "architect"), phases("passed")))
    assert "architect waits for approval: `factory approvals` lists it" in out.getvalue()


def render_board(state: Snapshot | None) -> str:
    board = Board()
    board.snapshot = state
    console = Console(file=io.StringIO(), width=110, color_system=None, force_terminal=False)
    console.print(board)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


def test_board_has_a_line_per_phase_and_the_approve_command() -> None:
    text = render_board(
        snapshot(
            job("waiting_approval", "architect"),
            phases("passed", "skipped", "waiting_approval"),
            approval("01WAIT"),
        )
    )
    lines = text.splitlines()
    assert "todo-list-app" in lines[0]
    assert "2/5 phases" in lines[0]
    for line, (name, status) in zip(
        lines[1:6],
        [
            ("create", "passed"),
            ("ba", "skipped"),
            ("architect", "waiting_approval"),
            ("dev", "pending"),
            ("export", "pending"),
        ],
        strict=True,
    ):
        assert line.split()[1] == name
        assert status in line
    assert "100 in / 200 out" in lines[1]
    assert "factory approve 01WAIT" in text


def test_board_shows_errors_and_starts_empty() -> None:
    assert "starting" in render_board(None)
    text = render_board(snapshot(job("failed", "ba"), phases("passed", "failed")))
    assert "ba: tests failed" in text


def test_make_progress_is_plain_unless_live_is_asked_for() -> None:
    assert isinstance(make_progress(io.StringIO(), live=False), PlainProgress)
    live = make_progress(io.StringIO(), live=True)
    assert isinstance(live, LiveProgress)
    live.update(snapshot(job("queued"), phases()))
    live.close()
