"""`python -m bench --only workflows` runs end to end: a 10-step workflow (two branches, an
approval the bench approves, a wait on a driven clock, webhooks to its own receiver) runs
to completion on the local runtime, and each of its steps is also run directly."""

from __future__ import annotations

import math

import pytest

from bench import workflows
from bench.__main__ import SECTIONS, _parse

pytestmark = pytest.mark.slow  # a child interpreter over emulated AWS


def test_the_workflows_section_times_runs_against_their_steps_run_directly() -> None:
    report = workflows.measure(runs=1, warmup=1)

    assert report.lost == 0
    assert len(report.orchestrated) == len(report.direct) == 1
    assert report.posts[0] < report.orchestrated[0]
    # Every one of the ten steps was run directly, and the baseline is their sum.
    assert list(report.steps) == [name for name, _, _ in workflows.SHAPE]
    assert len(report.steps) == 10
    assert math.isclose(report.direct[0], sum(times[0] for times in report.steps.values()))
    # The wait stood for 30 s of the driven clock, not of real time.
    assert report.orchestrated[0] < workflows.WAIT_SECONDS
    assert report.steps["cool-off"][0] < workflows.WAIT_SECONDS
    text = workflows.table(report).to_text()
    assert "run: POST /run -> GET run completed (1 runs)" in text
    assert "direct: sign-off (approval)" in text
    [check] = workflows.checks(report)
    assert check.name.startswith("10-step workflow wall time vs its steps run directly")
    assert check.ok is not None


def test_the_bench_runs_the_workflows_section_alone() -> None:
    assert "workflows" in SECTIONS
    args = _parse(["--only", "workflows", "--workflow-runs", "3", "--no-write"])
    assert (args.only, args.workflow_runs) == (["workflows"], 3)
