"""Event patterns of triggers and notification rules: checked against the catalog when a
rule is made, matched against events, and stored under keys an event finds in a few
Queries whatever other teams hold."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from shared.errors import Unprocessable
from shared.event_rules.patterns import (
    MAX_FILTER_VALUES,
    MAX_FILTERS,
    EventPattern,
    check_pattern,
    envelope,
    lookup_keys,
    matches,
    pattern_key,
    sample_envelope,
)
from shared.webhooks import catalog

TEAM = "01JF3Z8Q7W2N5X6Y7Z8A9B0C1D"
OTHER_TEAM = "01JF3Z8Q7W2N5X6Y7Z8A9B0C1E"


def pattern(event: str, **filters: Any) -> EventPattern:
    return EventPattern(event=event, filters={k.replace("__", "."): v for k, v in filters.items()})


def event(event_type: str, **data: Any) -> dict[str, Any]:
    return {"type": event_type, "data": {**catalog.sample(event_type), **data}}


# Creation.


@pytest.mark.parametrize("name", ["job.failed", "job.*", "job.phase.*", "circuit_breaker.*", "*"])
def test_a_type_a_prefix_of_whole_segments_or_star_is_accepted(name: str) -> None:
    assert check_pattern(pattern(name)).event == name


def test_an_unknown_type_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(Unprocessable) as refused:
        check_pattern(pattern("job.exploded"))
    assert refused.value.status_code == 422
    assert '"job.exploded"' in refused.value.detail
    for known in ("job.failed", "hook.received", "budget.threshold_crossed"):
        assert known in refused.value.detail


@pytest.mark.parametrize("name", ["jo*", "job*", "*.failed", "job.*.failed", ".*", "job.**"])
def test_a_wildcard_inside_a_segment_or_before_its_end_is_refused(name: str) -> None:
    with pytest.raises(Unprocessable, match="known types"):
        check_pattern(pattern(name))


def test_a_prefix_that_names_no_type_is_refused() -> None:
    with pytest.raises(Unprocessable, match=re.escape('unknown event type "nothing.*"')):
        check_pattern(pattern("nothing.*"))


def test_filters_on_fields_of_the_sample_are_accepted() -> None:
    made = pattern(
        "hook.received", data__source_id="01JF3ZC1D2E3F4G5H6J7K8M9N0", data__sender_type=["push"]
    )
    assert check_pattern(made) is made
    check_pattern(pattern("budget.threshold_crossed", data__threshold=[80, 100]))
    check_pattern(pattern("job.phase.failed", data__failure__kind="timeout"))


def test_a_filter_on_a_field_the_type_does_not_have_is_refused_naming_it() -> None:
    with pytest.raises(Unprocessable) as refused:
        check_pattern(pattern("job.failed", data__repository="x"))
    assert refused.value.status_code == 422
    assert '"data.repository"' in refused.value.detail
    assert "data.job_id" in refused.value.detail  # the fields it does have


def test_a_filter_going_below_a_single_value_is_refused() -> None:
    with pytest.raises(Unprocessable, match=re.escape('"data.slug.name"')):
        check_pattern(pattern("job.failed", data__slug__name="x"))


def test_a_filter_on_an_object_is_refused() -> None:
    with pytest.raises(Unprocessable, match="single values"):
        check_pattern(pattern("job.phase.failed", data__failure="x"))


def test_a_filter_value_of_another_json_type_than_the_field_is_refused() -> None:
    with pytest.raises(Unprocessable, match=re.escape("number in budget.threshold_crossed")):
        check_pattern(pattern("budget.threshold_crossed", data__threshold="80"))
    with pytest.raises(Unprocessable, match="string"):
        check_pattern(pattern("job.failed", data__slug=[True]))


def test_empty_too_many_or_malformed_filters_are_refused() -> None:
    with pytest.raises(Unprocessable, match="non-empty"):
        check_pattern(pattern("job.failed", data__slug=[]))
    with pytest.raises(Unprocessable, match=f"at most {MAX_FILTER_VALUES}"):
        check_pattern(
            pattern("job.failed", data__slug=[str(n) for n in range(MAX_FILTER_VALUES + 1)])
        )
    many = {f"data.x{n}": "y" for n in range(MAX_FILTERS + 1)}
    with pytest.raises(Unprocessable, match=f"at most {MAX_FILTERS} filters"):
        check_pattern(EventPattern.model_validate({"event": "job.failed", "filters": many}))
    with pytest.raises(Unprocessable, match="dotted path"):
        check_pattern(EventPattern(event="job.failed", filters={"data..slug": "x"}))


def test_a_prefix_filter_needs_the_field_in_one_of_its_types_only() -> None:
    # Only job.phase.retrying and job.phase.failed carry a failure: a job.* rule on its
    # kind is a rule on those two.
    made = check_pattern(pattern("job.*", data__failure__kind="timeout"))
    assert matches(made, event("job.phase.failed"))
    assert not matches(made, event("job.failed"))
    with pytest.raises(Unprocessable, match=re.escape("no field of that path in job.* events")):
        check_pattern(pattern("job.*", data__threshold=80))


def test_the_senders_payload_is_open_for_hook_received_only() -> None:
    check_pattern(pattern("hook.received", payload__ref="refs/heads/main"))
    with pytest.raises(Unprocessable, match=re.escape('"payload.ref"')):
        check_pattern(pattern("job.failed", payload__ref="refs/heads/main"))


def test_the_pattern_shape_is_closed() -> None:
    with pytest.raises(ValidationError):
        EventPattern.model_validate({"event": "job.failed", "filter": {}})
    with pytest.raises(ValidationError):
        EventPattern.model_validate({"event": "job.failed", "filters": {"data.slug": {"a": 1}}})
    with pytest.raises(ValidationError):
        EventPattern.model_validate({"event": ""})


# Matching.


def test_an_exact_type_matches_that_type_only() -> None:
    made = pattern("job.failed")
    assert matches(made, event("job.failed"))
    assert not matches(made, event("job.completed"))
    assert not matches(made, {"data": {}})


def test_a_prefix_matches_whole_segments() -> None:
    made = pattern("job.phase.*")
    assert matches(made, event("job.phase.failed"))
    assert not matches(made, event("job.failed"))
    assert not matches(pattern("job.*"), {"type": "jobs.created", "data": {}})
    assert matches(pattern("*"), event("hook.received"))


def test_a_list_of_values_matches_any_of_them() -> None:
    made = pattern("hook.received", data__sender_type=["push", "pull_request"])
    assert matches(made, event("hook.received", sender_type="push"))
    assert matches(made, event("hook.received", sender_type="pull_request"))
    assert not matches(made, event("hook.received", sender_type="issues"))


def test_every_filter_must_match() -> None:
    made = pattern("hook.received", data__source_id="S1", data__sender_type="push")
    assert matches(made, event("hook.received", source_id="S1", sender_type="push"))
    assert not matches(made, event("hook.received", source_id="S2", sender_type="push"))


def test_a_missing_field_does_not_match() -> None:
    made = pattern("hook.received", payload__ref="refs/heads/main")
    assert not matches(made, event("hook.received"))
    with_payload = {**event("hook.received"), "payload": {"ref": "refs/heads/main"}}
    assert matches(made, with_payload)
    assert not matches(made, {**with_payload, "payload": ["refs/heads/main"]})


def test_values_compare_as_json() -> None:
    assert matches(
        pattern("budget.threshold_crossed", data__threshold=80.0), event("budget.threshold_crossed")
    )
    assert not matches(
        pattern("budget.threshold_crossed", data__threshold="80"), event("budget.threshold_crossed")
    )
    assert not matches(pattern("job.failed", data__x=1), event("job.failed", x=True))
    assert not matches(pattern("job.failed", data__x=True), event("job.failed", x=1))
    assert matches(pattern("job.failed", data__x=False), event("job.failed", x=False))
    assert matches(pattern("job.created", data__phase=None), event("job.created"))
    assert not matches(pattern("job.created", data__phase=None), event("job.created", phase="x"))
    assert not matches(pattern("job.failed", data__x="a"), event("job.failed", x=["a"]))


def test_a_list_index_is_a_digit_segment() -> None:
    made = pattern("hook.received", payload__commits__0__author="ana")
    hook = {**event("hook.received"), "payload": {"commits": [{"author": "ana"}]}}
    assert matches(made, hook)
    assert not matches(made, {**hook, "payload": {"commits": []}})


def test_envelope_takes_an_eventbridge_event_and_the_senders_body() -> None:
    bus_event = {
        "id": "e1",
        "detail-type": "hook.received",
        "time": "2026-12-04T09:00:00Z",
        "source": "software-factory",
        "detail": catalog.sample("hook.received"),
    }
    seen = envelope(bus_event, payload={"ref": "refs/heads/main"})
    assert seen == {
        "id": "e1",
        "type": "hook.received",
        "timestamp": "2026-12-04T09:00:00Z",
        "data": catalog.sample("hook.received"),
        "payload": {"ref": "refs/heads/main"},
    }
    assert matches(pattern("hook.received", payload__ref="refs/heads/main"), seen)
    assert "payload" not in envelope(bus_event)


# Storage keys.


def test_lookup_keys_go_from_the_type_to_each_prefix_to_star() -> None:
    assert lookup_keys(TEAM, "job.phase.failed") == [
        f"RULE#{TEAM}#job.phase.failed",
        f"RULE#{TEAM}#job.phase.*",
        f"RULE#{TEAM}#job.*",
        f"RULE#{TEAM}#*",
    ]
    assert lookup_keys(TEAM, "hook.received") == [
        f"RULE#{TEAM}#hook.received",
        f"RULE#{TEAM}#hook.*",
        f"RULE#{TEAM}#*",
    ]


def _every_pattern_event() -> list[str]:
    names = {"*"}
    for known in catalog.EVENT_TYPES:
        segments = known.type.split(".")
        names.add(known.type)
        names.update(".".join(segments[:n]) + ".*" for n in range(1, len(segments)))
    return sorted(names)


@pytest.mark.parametrize("event_type", sorted(catalog.TYPES))
def test_an_events_lookup_keys_meet_exactly_the_patterns_that_can_match_it(
    event_type: str,
) -> None:
    keys = set(lookup_keys(TEAM, event_type))
    incoming = sample_envelope(event_type)
    for name in _every_pattern_event():
        made = check_pattern(pattern(name))
        assert (pattern_key(TEAM, made) in keys) == matches(made, incoming), name
        # Filters narrow the rules a lookup finds; they never move a rule to another key.
        narrowed = pattern(name, data__team_id="someone else")
        assert pattern_key(TEAM, narrowed) == pattern_key(TEAM, made)
    assert len(keys) == event_type.count(".") + 2


def test_another_teams_rules_are_under_other_keys() -> None:
    for event_type in catalog.TYPES:
        mine = set(lookup_keys(TEAM, event_type))
        for name in _every_pattern_event():
            assert pattern_key(OTHER_TEAM, pattern(name)) not in mine
