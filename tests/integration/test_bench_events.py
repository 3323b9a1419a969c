"""`python -m bench --only events` runs end to end: the events section with tiny rounds
(two fan-out workers, the hooks child, a few deliveries on the local runtime) gives its
table and every target line, with the requests it counted and nothing lost."""

from __future__ import annotations

from bench import events
from bench.__main__ import SECTIONS, _parse


def test_the_events_section_measures_every_figure_with_tiny_rounds() -> None:
    report = events.measure(
        fanout_calls=2, hook_calls=2, deliveries=2, block=2, others=(2, 30), warmup=2
    )

    # Every fan-out, in both worlds and every mode, was timed and queued its one delivery,
    # with the same requests: two Queries on the subscriptions, never a Scan
    few, many = report.fanout
    for world in (few, many):
        assert all(len(world.ns[mode]) == 2 for mode in events.MODES)
        assert world.misses == 0
        assert world.failed == []
        assert {call["messages"] for call in world.requests} == {1}
        for call in world.requests:
            assert call["operations"].count("Query") == 2
            assert "Scan" not in call["operations"]
    # The hook was accepted every time (202), its requests replayed as recorded
    assert report.hooks["unexpected"] == []
    assert report.hooks["misses"] == 0
    assert report.hooks["recorded"] == ["UpdateItem", "GetItem", "PutItem", "SendMessage"]
    assert all(len(report.hooks[key]) == 2 for key in ("health", *events.MODES))
    # Both events reached the loopback receiver, signed and verified
    assert report.delivery["lost"] == 0
    assert report.delivery["verified"] == 2
    assert len(report.delivery["latencies"]) == 2

    text = events.table(report).to_text()
    assert "fan-out, 1 match among 30 others" in text
    assert "POST /hooks/{id}" in text
    names = [check.name for check in events.checks(report)]
    assert any(name.startswith("fan-out p50") for name in names)
    assert any(name.startswith("POST /hooks/{id} p50 vs health") for name in names)
    assert any(name.startswith("event -> signed delivery p50") for name in names)
    assert not any(name.startswith("events: every call") for name in names)


def test_the_bench_runs_the_events_section_alone_or_with_the_others() -> None:
    assert "events" in SECTIONS
    args = _parse(["--only", "events", "--events", "5", "--no-write"])
    assert args.only == ["events"]
    assert args.events == 5
