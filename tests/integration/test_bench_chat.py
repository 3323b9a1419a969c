"""`python -m bench --only chat` runs end to end: a few chat tickets through the local
runtime give the section's table and its target line, every ticket answered."""

from __future__ import annotations

from bench import chat
from bench.__main__ import SECTIONS, _parse


def test_the_chat_section_times_every_ticket_with_tiny_rounds() -> None:
    report = chat.measure(tickets=3, warmup=1)

    assert report.lost == 0
    assert len(report.latencies) == 3
    assert all(post < total for post, total in zip(report.posts, report.latencies, strict=True))
    text = chat.table(report).to_text()
    assert "POST /chat -> GET /chat/{id} completed (3 tickets)" in text
    [check] = chat.checks(report)
    assert check.name.startswith("chat ticket round trip p50")
    assert check.ok is not None


def test_the_bench_runs_the_chat_section_alone() -> None:
    assert "chat" in SECTIONS
    args = _parse(["--only", "chat", "--tickets", "5", "--no-write"])
    assert (args.only, args.tickets) == (["chat"], 5)
