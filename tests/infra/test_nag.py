"""cdk-nag (AwsSolutions and Serverless) passes with every acknowledgement reviewed.

The synth itself fails on any unacknowledged finding, error or warning; these tests read
the validation report the synth wrote, so they also prove both packs ran.
"""

from __future__ import annotations

from typing import Any

import pytest

from infra.nag_suppressions import ACKNOWLEDGEMENTS
from tests.infra.assembly import Synthesized

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]

PACKS = {"AwsSolutions", "Serverless"}


def suppressed(synth: Synthesized) -> list[dict[str, Any]]:
    return [
        violation
        for report in synth.validation_report["pluginReports"]
        for violation in report.get("suppressedViolations", [])
    ]


def test_both_packs_ran_and_found_nothing_unacknowledged(synthesized: Synthesized) -> None:
    reports = synthesized.validation_report["pluginReports"]
    assert {report["pluginName"] for report in reports} == PACKS
    for report in reports:
        assert report["conclusion"] == "success"
        assert report["violations"] == []


def test_every_suppressed_finding_is_one_of_ours_with_its_reason(synthesized: Synthesized) -> None:
    reasons = {entry.validation_id: entry.reason for entry in ACKNOWLEDGEMENTS}
    found = suppressed(synthesized)
    assert found, "cdk-nag found nothing at all: are the packs really running?"
    for violation in found:
        assert reasons[violation["acknowledgedId"]] == violation["reason"]


def test_every_acknowledgement_is_still_needed(dev: Synthesized, prod: Synthesized) -> None:
    used = {violation["acknowledgedId"] for synth in (dev, prod) for violation in suppressed(synth)}
    assert {entry.validation_id for entry in ACKNOWLEDGEMENTS} == used


@pytest.mark.parametrize("entry", ACKNOWLEDGEMENTS, ids=lambda entry: entry.rule)
def test_every_acknowledgement_has_a_real_reason(entry: Any) -> None:
    assert entry.rule.split("-", 1)[0] in PACKS
    assert entry.paths
    assert len(entry.reason) >= 80
    assert not {"todo", "fixme", "tbd", "n/a"} & set(entry.reason.lower().split())
    assert len({other.reason for other in ACKNOWLEDGEMENTS if other.rule == entry.rule}) == 1
