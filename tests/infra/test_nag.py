"""cdk-nag (AwsSolutions and Serverless) passes with every acknowledgement reviewed.

The synth itself fails on any unacknowledged finding, error or warning; these tests read
the validation report the synth wrote, so they also prove both packs ran.
"""

from __future__ import annotations

from typing import Any

import pytest

from infra.nag_suppressions import (
    ACKNOWLEDGEMENTS,
    NagAcknowledgement,
    access_acknowledgements,
    acknowledgements,
)
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
    reasons = {entry.validation_id: entry.reason for entry in acknowledgements(synthesized.stack)}
    found = suppressed(synthesized)
    assert found, "cdk-nag found nothing at all: are the packs really running?"
    for violation in found:
        assert reasons[violation["acknowledgedId"]] == violation["reason"]


def test_every_acknowledgement_is_still_needed(synthesized: Synthesized) -> None:
    used = {violation["acknowledgedId"] for violation in suppressed(synthesized)}
    assert {entry.validation_id for entry in acknowledgements(synthesized.stack)} == used


def test_access_acknowledgements_cover_only_roles_that_have_the_finding(
    synthesized: Synthesized,
) -> None:
    """Derived from the registry, each names exact role paths: every one of them must
    really carry that finding (a read-only role is not excused for a write wildcard)."""
    prefix = f"{synthesized.stack.node.path}/"
    found = {
        (violation["acknowledgedId"], construct["constructPath"].removeprefix(prefix))
        for violation in suppressed(synthesized)
        for construct in violation["violatingConstructs"]
    }
    derived = access_acknowledgements(synthesized.stack)
    assert derived, "the registry's read/read_write grants bring IAM5 findings"
    for entry in derived:
        for path in entry.paths:
            assert (entry.validation_id, path) in found


@pytest.mark.parametrize("entry", ACKNOWLEDGEMENTS, ids=lambda entry: entry.rule)
def test_every_fixed_acknowledgement_has_a_real_reason(entry: NagAcknowledgement) -> None:
    assert_real_reason(entry, ACKNOWLEDGEMENTS)


def test_every_derived_acknowledgement_has_a_real_reason(dev: Synthesized) -> None:
    for entry in access_acknowledgements(dev.stack):
        assert_real_reason(entry, acknowledgements(dev.stack))


def assert_real_reason(entry: NagAcknowledgement, every: tuple[NagAcknowledgement, ...]) -> None:
    assert entry.rule.split("-", 1)[0] in PACKS
    assert entry.paths
    assert len(entry.reason) >= 80
    assert not {"todo", "fixme", "tbd", "n/a"} & set(entry.reason.lower().split())
    # One rule, one reason, and one entry: the same finding is not excused twice.
    assert [other.reason for other in every if other.rule == entry.rule] == [entry.reason]
