"""`python -m bench --only support` runs end to end: a few support messages through the
local runtime give the section's table and its target line, every message answered."""

from __future__ import annotations

from bench import support
from bench.__main__ import SECTIONS


def test_the_support_section_times_every_message_with_tiny_rounds() -> None:
    report = support.measure(messages=3, warmup=1)

    assert report.lost == 0
    assert len(report.latencies) == 3
    assert all(post < total for post, total in zip(report.posts, report.latencies, strict=True))
    text = support.table(report).to_text()
    assert "POST .../messages -> GET .../replies/{id} completed (3 messages)" in text
    [check] = support.checks(report)
    assert check.name.startswith("support message -> agent reply p50")
    assert check.ok is not None
    assert "support" in SECTIONS
