"""`python -m bench --only knowledge` runs end to end: two teams' indexes loaded in bulk
and through the API, every timed search answered with hits."""

from __future__ import annotations

import pytest

from bench import knowledge

pytestmark = pytest.mark.slow  # a child interpreter over emulated AWS


def test_the_knowledge_section_searches_both_teams() -> None:
    report = knowledge.measure(big=500, searches=60)

    for label in ("small", "big"):
        assert len(report.worlds[label]["times"]) == 60
        assert report.worlds[label]["base_bytes"] > 0
    assert report.worlds["big"]["entries"] == 500 + knowledge.LIVE_ADDS
    text = knowledge.table(report).to_text()
    assert f"search, {500 + knowledge.LIVE_ADDS} entries" in text
    [check] = knowledge.checks(report)
    assert check.name == "knowledge search p50, 500 entries vs 100"
