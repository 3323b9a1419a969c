"""`python -m bench --only tasks` runs end to end: a few tasks through the local runtime
and the two lists timed over moto and replayed, each call's reads bounded by a page."""

from __future__ import annotations

import pytest

from bench import tasks

pytestmark = pytest.mark.slow  # a child interpreter over emulated AWS


def test_the_tasks_section_times_every_task_and_bounds_each_list_read() -> None:
    report = tasks.measure(tasks=3, warmup=1, big=60)

    assert report.lost == 0
    assert len(report.latencies) == 3
    assert all(post < total for post, total in zip(report.posts, report.latencies, strict=True))
    for name in ("stats", "status"):
        small, big = report.lists["small"][name], report.lists["big"][name]
        # The same requests whatever the history; a page and the counters read at most.
        assert big["requests"] == small["requests"]
        assert big["read"] <= tasks.READ_BOUND
        assert big["misses"] == small["misses"] == 0
    text = tasks.table(report).to_text()
    assert "POST /tasks -> GET /tasks/{id} completed (3 tasks)" in text
    assert [check.name.split(" p50")[0] for check in tasks.checks(report)] == [
        "task created -> result stored",
        "GET /tasks/stats",
        f"GET /tasks?status=&limit={tasks.PAGE}",
    ]
