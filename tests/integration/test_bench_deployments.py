"""`python -m bench --only deployments` runs end to end: a code agent deployed through the
routes and called at /rest/<name> with the right answer, and the lookup by name one
GetItem reading one item whether the table holds 10 deployments or more."""

from __future__ import annotations

import pytest

from bench import deployments

pytestmark = pytest.mark.slow  # a child interpreter over emulated AWS


def test_the_deployments_section_calls_the_agent_and_reads_one_item_per_lookup() -> None:
    report = deployments.measure(calls=3, big=60)

    assert len(report.latencies) == len(report.back_to_back) == 3
    small, big = report.lookups["small"], report.lookups["big"]
    for world in (small, big):
        assert (world["requests"], world["operations"], world["read"]) == (1, "GetItem", 1)
        assert world["misses"] == 0
    text = deployments.table(report).to_text()
    assert "POST /rest/{name}, a trivial public agent, spare ready (3 calls)" in text
    assert "lookup by name, 60 deployments" in text
    [check] = deployments.checks(report)
    assert check.name.startswith("deployment lookup p50, 60 deployments vs 10")
