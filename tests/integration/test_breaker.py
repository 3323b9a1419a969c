"""Circuit breakers: state in DynamoDB, one winner per transition, one event per transition."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.client import BaseClient

from shared.ids import new_id
from shared.llm.breaker import (
    BreakerPolicy,
    Decision,
    allow,
    force_close,
    force_open,
    record_failure,
    record_success,
    reset,
    state_of,
    states,
)
from shared.llm.breaker import transitions as breaker_rules

pytestmark = pytest.mark.usefixtures("aws")

T0 = 1_800_000_000.0
POLICY = BreakerPolicy(failure_threshold=5, window_seconds=60, cooldown_seconds=30)
PROVIDER = "openai"

Published = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def team() -> str:
    return f"team-{new_id()}"


@pytest.fixture(autouse=True)
def published(monkeypatch: pytest.MonkeyPatch) -> Published:
    """Every event the breaker publishes, in order (list.append is atomic across threads)."""
    captured: Published = []

    def capture(detail_type: str, detail: dict[str, Any]) -> bool:
        captured.append((detail_type, detail))
        return True

    monkeypatch.setattr(breaker_rules, "publish", capture)
    return captured


@pytest.fixture
def dynamodb_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every DynamoDB operation made from here on."""
    calls: list[str] = []
    original = BaseClient._make_api_call

    def counted(self: BaseClient, operation_name: str, api_params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            calls.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    return calls


def transitions(published: Published) -> list[tuple[str, str, str, str]]:
    return [(kind, detail["from"], detail["to"], detail["reason"]) for kind, detail in published]


def verdict(decision: Decision) -> tuple[bool, str, float | None]:
    return decision.allowed, decision.state, decision.retry_after


def trip(team_id: str, at: float = T0, provider: str = PROVIDER) -> None:
    for _ in range(POLICY.failure_threshold):
        record_failure(team_id, provider, "ServerError 503", POLICY, now=at)
    assert state_of(team_id, provider).state == "open"


def race(callers: int, call: Callable[[], Any]) -> list[Any]:
    """`call` from `callers` threads released together, as many Lambda instances would be."""
    start = threading.Barrier(callers)

    def one(_: int) -> Any:
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=callers) as pool:
        return list(pool.map(one, range(callers)))


def test_a_provider_without_a_breaker_is_closed_and_its_success_path_never_writes(
    team: str, dynamodb_calls: list[str]
) -> None:
    decision = allow(team, PROVIDER, POLICY, now=T0)
    state = record_success(team, PROVIDER, now=T0)

    assert decision == Decision(True, "closed")
    assert decision.clean  # so a router need not report the success at all
    assert state == "closed"
    assert dynamodb_calls == ["GetItem", "GetItem"]


def test_a_decision_is_clean_only_when_closed_with_no_failure_counted(team: str) -> None:
    record_failure(team, PROVIDER, "Timeout", POLICY, now=T0)

    counted = allow(team, PROVIDER, POLICY, now=T0 + 1)
    record_success(team, PROVIDER, now=T0 + 2)
    reset_by_success = allow(team, PROVIDER, POLICY, now=T0 + 3)
    trip(team, at=T0 + 4)
    probe = allow(team, PROVIDER, POLICY, now=T0 + 40)

    assert (counted.allowed, counted.state, counted.failures, counted.clean) == (
        True,
        "closed",
        1,
        False,
    )
    assert reset_by_success.clean
    assert (probe.allowed, probe.state, probe.clean) == (True, "half_open", False)


def test_a_success_resets_the_count_once_then_costs_no_write(
    team: str, dynamodb_calls: list[str]
) -> None:
    record_failure(team, PROVIDER, "Timeout", POLICY, now=T0)
    dynamodb_calls.clear()

    record_success(team, PROVIDER, now=T0 + 1)
    record_success(team, PROVIDER, now=T0 + 2)

    assert dynamodb_calls == ["GetItem", "UpdateItem", "GetItem"]
    assert state_of(team, PROVIDER).failures == 0


def test_closed_stays_closed_below_the_threshold(team: str, published: Published) -> None:
    for second in range(POLICY.failure_threshold - 1):
        record_failure(team, PROVIDER, "ServerError 500", POLICY, now=T0 + second)

    snapshot = state_of(team, PROVIDER, POLICY, now=T0 + 5)

    assert allow(team, PROVIDER, POLICY, now=T0 + 5).allowed
    assert (snapshot.state, snapshot.failures, snapshot.retry_after) == ("closed", 4, None)
    assert snapshot.last_error == "ServerError 500"
    assert published == []


def test_opens_at_exactly_the_threshold_inside_the_window(team: str, published: Published) -> None:
    states_after = [
        record_failure(team, PROVIDER, "ServerError 502", POLICY, now=T0 + 10 * i)
        for i in range(POLICY.failure_threshold)
    ]

    assert states_after == ["closed"] * 4 + ["open"]
    assert published == [
        (
            "circuit_breaker.opened",
            {
                "team_id": team,
                "provider": PROVIDER,
                "from": "closed",
                "to": "open",
                "failures": 5,
                "reason": "threshold",
            },
        )
    ]


def test_failures_more_than_a_window_apart_do_not_add_up(team: str, published: Published) -> None:
    # Five failures, each a window after the one before: each starts the count again.
    for i in range(POLICY.failure_threshold):
        record_failure(team, PROVIDER, "Timeout", POLICY, now=T0 + POLICY.window_seconds * i)

    snapshot = state_of(team, PROVIDER)

    assert (snapshot.state, snapshot.failures) == ("closed", 1)
    assert published == []


def test_a_run_of_failures_each_within_a_window_of_the_last_opens_it(
    team: str, published: Published
) -> None:
    # The window slides: five failures 15 s apart (60 s from first to last) are a run.
    for i in range(POLICY.failure_threshold):
        record_failure(team, PROVIDER, "Timeout", POLICY, now=T0 + 15 * i)

    assert state_of(team, PROVIDER).state == "open"


def test_every_read_timeout_counts_however_long_the_call_took(
    team: str, published: Published
) -> None:
    # A provider that never answers: each call waits its 120 s read timeout, two minutes
    # longer than the window, then the next attempt begins 2 s after the failure.
    began = T0
    for _ in range(POLICY.failure_threshold - 1):
        record_failure(team, PROVIDER, "timeout", POLICY, now=began + 120, started=began)
        began += 122

    assert (state_of(team, PROVIDER).state, state_of(team, PROVIDER).failures) == (
        "closed",
        POLICY.failure_threshold - 1,
    )
    record_failure(team, PROVIDER, "timeout", POLICY, now=began + 120, started=began)
    assert state_of(team, PROVIDER).state == "open"


def test_open_refuses_with_the_time_left_until_the_cooldown_ends(
    team: str, published: Published
) -> None:
    trip(team)

    early = allow(team, PROVIDER, POLICY, now=T0 + 10)
    late = allow(team, PROVIDER, POLICY, now=T0 + 29.5)
    listed = state_of(team, PROVIDER, POLICY, now=T0 + 10)
    over = allow(team, PROVIDER, POLICY, now=T0 + 30)

    assert verdict(early) == (False, "open", pytest.approx(20.0))
    assert verdict(late) == (False, "open", pytest.approx(0.5))
    assert listed.retry_after == pytest.approx(20.0)
    assert listed.opened_at is not None
    assert listed.opened_at.timestamp() == T0
    assert over == Decision(True, "half_open", failures=5)
    assert not over.clean  # the probe's success must be reported, to close the breaker
    assert transitions(published)[-1] == (
        "circuit_breaker.half_opened",
        "open",
        "half_open",
        "cooldown",
    )


def test_after_the_cooldown_exactly_one_of_racing_callers_becomes_the_probe(
    team: str, published: Published
) -> None:
    trip(team)

    decisions = race(8, lambda: allow(team, PROVIDER, POLICY, now=T0 + 31))

    assert [decision.allowed for decision in decisions].count(True) == 1
    refused = [decision for decision in decisions if not decision.allowed]
    # The probe started at T0 + 31: another may replace it once it is a cooldown old.
    assert [(d.state, d.retry_after) for d in refused] == [("half_open", pytest.approx(30.0))] * 7
    assert [kind for kind, _ in published] == [
        "circuit_breaker.opened",
        "circuit_breaker.half_opened",
    ]


def test_probe_success_closes_and_starts_the_count_afresh(team: str, published: Published) -> None:
    trip(team)
    assert allow(team, PROVIDER, POLICY, now=T0 + 30).allowed

    state = record_success(team, PROVIDER, now=T0 + 31)
    for _ in range(POLICY.failure_threshold - 1):
        record_failure(team, PROVIDER, "Timeout", POLICY, now=T0 + 32)

    snapshot = state_of(team, PROVIDER)
    assert state == "closed"
    assert (snapshot.state, snapshot.failures, snapshot.opened_at) == ("closed", 4, None)
    assert transitions(published)[-1] == (
        "circuit_breaker.closed",
        "half_open",
        "closed",
        "probe succeeded",
    )
    assert published[-1][1]["failures"] == 5  # the count the breaker closed with


def test_probe_failure_reopens_and_restarts_the_cooldown(team: str, published: Published) -> None:
    trip(team)
    assert allow(team, PROVIDER, POLICY, now=T0 + 30).allowed

    state = record_failure(team, PROVIDER, "ServerError 503", POLICY, now=T0 + 31)

    assert state == "open"
    assert verdict(allow(team, PROVIDER, POLICY, now=T0 + 50)) == (
        False,
        "open",
        pytest.approx(11.0),
    )
    assert allow(team, PROVIDER, POLICY, now=T0 + 61).allowed
    assert transitions(published) == [
        ("circuit_breaker.opened", "closed", "open", "threshold"),
        ("circuit_breaker.half_opened", "open", "half_open", "cooldown"),
        ("circuit_breaker.opened", "half_open", "open", "probe failed"),
        ("circuit_breaker.half_opened", "open", "half_open", "cooldown"),
    ]


def test_a_stale_probe_is_replaced_by_one_new_probe(team: str, published: Published) -> None:
    trip(team)
    assert allow(team, PROVIDER, POLICY, now=T0 + 30).allowed  # this probe never reports

    in_flight = allow(team, PROVIDER, POLICY, now=T0 + 45)
    replacements = race(4, lambda: allow(team, PROVIDER, POLICY, now=T0 + 60))

    assert verdict(in_flight) == (False, "half_open", pytest.approx(15.0))
    assert [decision.allowed for decision in replacements].count(True) == 1
    assert not allow(team, PROVIDER, POLICY, now=T0 + 61).allowed
    # Replacing a probe changes no state, so it publishes nothing.
    assert len(published) == 2


def test_force_open_holds_past_the_cooldown_until_force_close(
    team: str, published: Published
) -> None:
    opened = force_open(team, PROVIDER, now=T0)

    much_later = allow(team, PROVIDER, POLICY, now=T0 + 3600)
    after_success = record_success(team, PROVIDER, now=T0 + 3601)
    after_failure = record_failure(team, PROVIDER, "Timeout", POLICY, now=T0 + 3602)
    closed = force_close(team, PROVIDER, now=T0 + 3603)

    assert (opened.state, opened.forced, opened.retry_after) == ("open", True, None)
    assert much_later == Decision(False, "open", None)
    assert (after_success, after_failure) == ("open", "open")
    assert (closed.state, closed.forced) == ("closed", False)
    assert allow(team, PROVIDER, POLICY, now=T0 + 3604).allowed
    assert transitions(published) == [
        ("circuit_breaker.opened", "closed", "open", "forced"),
        ("circuit_breaker.closed", "open", "closed", "forced"),
    ]


def test_force_open_of_an_open_breaker_publishes_nothing_more(
    team: str, published: Published
) -> None:
    trip(team)

    first = force_open(team, PROVIDER, now=T0 + 1)
    force_open(team, PROVIDER, now=T0 + 2)

    assert first.forced
    assert first.opened_at is not None
    assert first.opened_at.timestamp() == T0  # still open since the threshold
    assert not allow(team, PROVIDER, POLICY, now=T0 + 100).allowed
    assert [kind for kind, _ in published] == ["circuit_breaker.opened"]


def test_reset_ends_a_force_open_and_clears_the_count(team: str, published: Published) -> None:
    force_open(team, PROVIDER, now=T0)

    snapshot = reset(team, PROVIDER, now=T0 + 5)

    assert (snapshot.state, snapshot.failures, snapshot.forced) == ("closed", 0, False)
    assert allow(team, PROVIDER, POLICY, now=T0 + 6).allowed
    assert transitions(published)[-1] == ("circuit_breaker.closed", "open", "closed", "reset")


def test_reset_closes_a_tripped_breaker_and_zeroes_a_closed_one(
    team: str, published: Published
) -> None:
    trip(team)
    reopened = reset(team, PROVIDER, now=T0 + 1)
    record_failure(team, PROVIDER, "Timeout", POLICY, now=T0 + 2)
    record_failure(team, PROVIDER, "Timeout", POLICY, now=T0 + 3)

    zeroed = reset(team, PROVIDER, now=T0 + 4)

    assert (reopened.state, reopened.failures) == ("closed", 0)
    assert (zeroed.state, zeroed.failures) == ("closed", 0)
    # Zeroing a closed breaker is no transition: no event.
    assert transitions(published) == [
        ("circuit_breaker.opened", "closed", "open", "threshold"),
        ("circuit_breaker.closed", "open", "closed", "reset"),
    ]


def test_force_close_and_reset_of_a_missing_breaker_write_nothing(
    team: str, dynamodb_calls: list[str], published: Published
) -> None:
    force_close(team, PROVIDER, now=T0)
    reset(team, PROVIDER, now=T0)

    assert dynamodb_calls == ["GetItem", "GetItem"]
    assert states(team) == []
    assert published == []


def test_concurrent_failures_open_the_breaker_once(team: str, published: Published) -> None:
    race(20, lambda: record_failure(team, PROVIDER, "ServerError 500", POLICY, now=T0))

    snapshot = state_of(team, PROVIDER)

    assert snapshot.state == "open"
    # Failures counted before the breaker opened all stay counted; later ones are dropped.
    assert POLICY.failure_threshold <= snapshot.failures <= 20
    assert [kind for kind, _ in published] == ["circuit_breaker.opened"]
    assert published[0][1]["failures"] >= POLICY.failure_threshold


def test_concurrent_failures_below_the_threshold_are_all_counted(
    team: str, published: Published
) -> None:
    lenient = BreakerPolicy(failure_threshold=50)

    race(20, lambda: record_failure(team, PROVIDER, "ServerError 500", lenient, now=T0))

    assert state_of(team, PROVIDER).failures == 20
    assert published == []


def test_states_lists_only_the_teams_breakers_with_a_query(
    team: str, dynamodb_calls: list[str]
) -> None:
    other_team = f"team-{new_id()}"
    trip(team, provider="anthropic")
    record_failure(team, "bedrock", "Timeout", POLICY, now=T0)
    force_open(other_team, "anthropic", now=T0)
    dynamodb_calls.clear()

    listed = states(team, POLICY, now=T0 + 10)

    assert [(s.provider, s.state, s.failures) for s in listed] == [
        ("anthropic", "open", 5),
        ("bedrock", "closed", 1),
    ]
    assert listed[0].retry_after == pytest.approx(20.0)
    assert dynamodb_calls == ["Query"]


def test_a_full_cycle_publishes_one_event_per_transition(team: str, published: Published) -> None:
    trip(team)  # closed -> open
    allow(team, PROVIDER, POLICY, now=T0 + 30)  # open -> half_open
    allow(team, PROVIDER, POLICY, now=T0 + 31)  # refused: no change
    record_failure(team, PROVIDER, "Timeout", POLICY, now=T0 + 32)  # half_open -> open
    record_failure(team, PROVIDER, "Timeout", POLICY, now=T0 + 33)  # already open
    allow(team, PROVIDER, POLICY, now=T0 + 62)  # open -> half_open
    record_success(team, PROVIDER, now=T0 + 63)  # half_open -> closed
    record_success(team, PROVIDER, now=T0 + 64)  # closed, nothing to reset

    assert transitions(published) == [
        ("circuit_breaker.opened", "closed", "open", "threshold"),
        ("circuit_breaker.half_opened", "open", "half_open", "cooldown"),
        ("circuit_breaker.opened", "half_open", "open", "probe failed"),
        ("circuit_breaker.half_opened", "open", "half_open", "cooldown"),
        ("circuit_breaker.closed", "half_open", "closed", "probe succeeded"),
    ]
    assert all(detail["team_id"] == team for _, detail in published)


def test_last_error_is_one_short_line_without_credentials(team: str) -> None:
    error = (
        "AuthenticationError 401:\n  Bearer abc.def api_key=plain-secret "
        "key sk-ant-api03-AbCdEf0123456789GhIjKl " + "x" * 500
    )

    record_failure(team, PROVIDER, error, POLICY, now=T0)

    kept = state_of(team, PROVIDER).last_error
    assert kept is not None
    assert kept.startswith("AuthenticationError 401: Bearer [redacted] api_key=[redacted] key ")
    assert "plain-secret" not in kept
    assert "AbCdEf0123456789" not in kept
    assert "\n" not in kept
    assert len(kept) <= 200


def test_a_policy_must_make_sense() -> None:
    with pytest.raises(ValueError, match="threshold"):
        BreakerPolicy(failure_threshold=0)
