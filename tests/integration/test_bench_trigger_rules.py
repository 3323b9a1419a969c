"""bench.trigger_rules runs end to end with tiny rounds: both matcher worlds time every
mode, each event fires the team's one trigger with the same requests (no Scan), and the
section gives its table and target lines."""

from __future__ import annotations

from bench import trigger_rules
from bench.events import MODES


def test_the_trigger_rules_section_measures_every_figure_with_tiny_rounds() -> None:
    report = trigger_rules.measure(2, block=2, others=(1, 30), warmup=2)

    few, many = report.worlds
    for world in (few, many):
        assert all(len(world.ns[mode]) == 2 for mode in MODES)
        assert world.misses == 0
        assert world.failed == []
        assert {call["messages"] for call in world.requests} == {1}
        for call in world.requests:
            # job.failed: its own partition, job.* and * of the team, never a Scan
            assert call["operations"].count("Query") == 3
            assert "Scan" not in call["operations"]
    text = trigger_rules.table(report).to_text()
    assert "1 trigger among 30 other rules" in text
    names = [check.name for check in trigger_rules.checks(report)]
    assert any(name.startswith("trigger rule matching p50") for name in names)
    assert not any(name.startswith("trigger rules: every call") for name in names)
