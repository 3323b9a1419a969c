"""Team settings on emulated DynamoDB: typed defaults, partial updates that merge, refusals
of unknown keys and bad values, and one winner when two updates race."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared import team_settings_store
from shared.costs import budget_updates
from shared.costs.budget_store import get_budget
from shared.db.base import team_partition
from shared.db.batch import ItemKey
from shared.errors import Conflict
from shared.ids import new_id
from shared.team_settings import (
    InvalidSettings,
    TeamSettings,
    get_team_settings,
    parse_model_ref,
    update_team_settings,
)
from shared.team_settings_models import SETTINGS_KEY, TeamSettingsItem
from shared.team_settings_store import StoredSettings

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture
def team() -> Iterator[str]:
    team_id = f"settings-{new_id()}"
    yield team_id
    TeamSettingsItem(team_partition(team_id), SETTINGS_KEY).delete(add_version_condition=False)


def test_a_team_that_set_nothing_has_the_defaults(team: str) -> None:
    settings = get_team_settings(team)

    assert settings == TeamSettings()
    assert settings.daily_cost_limit is None
    assert settings.smart_model_fallback is None
    assert settings.max_repair_attempts == 3
    assert settings.approval_gates == []
    assert settings.on_reject == "fail"
    assert (settings.breaker_failure_threshold, settings.breaker_cooldown_seconds) == (5, 30)
    assert settings.budget_alert_thresholds == [50, 80, 100]


def test_partial_updates_merge_and_seed_style_strings_are_typed(team: str) -> None:
    update_team_settings(team, {"max_repair_attempts": "5", "daily_cost_limit": "5.00"})
    answered = update_team_settings(team, {"daily_cost_limit": "10.00"})

    stored = TeamSettingsItem.get(team_partition(team), SETTINGS_KEY).document
    assert answered == get_team_settings(team)
    assert (answered.max_repair_attempts, answered.daily_cost_limit) == (5, 10.0)
    assert answered.breaker_failure_threshold == 5
    # Only what the team set is stored, typed: a default changed later still reaches it.
    # The daily limit is the budget's, stored there and only there.
    assert stored == {"max_repair_attempts": 5}
    assert get_budget(team).daily_limit == 10.0


def test_every_reader_sees_the_budgets_values_for_the_budget_backed_settings(team: str) -> None:
    # Given a settings item written before the rule, holding its own copies of the two
    TeamSettingsItem(
        team_partition(team),
        SETTINGS_KEY,
        team_id=team,
        document={"daily_cost_limit": 99.0, "budget_alert_thresholds": [10], "on_reject": "revise"},
    ).save()
    # and a budget that says otherwise,
    budget_updates.set_budget(team, monthly_limit=None, daily_limit=4.5, alert_thresholds=[75])

    settings = get_team_settings(team)

    # then the settings answer the budget's values, and the rest as stored.
    assert (settings.daily_cost_limit, settings.budget_alert_thresholds) == (4.5, [75])
    assert settings.on_reject == "revise"
    # An update through the settings changes the budget, never the settings' copy.
    update_team_settings(team, {"budget_alert_thresholds": [20, 60, 20], "max_repair_attempts": 2})
    assert get_budget(team).alert_thresholds == [20, 60]
    stored = TeamSettingsItem.get(team_partition(team), SETTINGS_KEY).document
    assert "budget_alert_thresholds" not in stored
    assert "daily_cost_limit" not in stored


def test_reading_the_settings_is_one_request(team: str, dynamodb_calls: list[str]) -> None:
    update_team_settings(team, {"max_repair_attempts": 4, "daily_cost_limit": 3})
    dynamodb_calls.clear()

    settings = get_team_settings(team)

    assert (settings.max_repair_attempts, settings.daily_cost_limit) == (4, 3.0)
    assert dynamodb_calls == ["BatchGetItem"]


def test_null_or_blank_clears_a_nullable_setting(team: str) -> None:
    update_team_settings(team, {"daily_cost_limit": 7, "default_provider": "openai"})

    cleared = update_team_settings(team, {"daily_cost_limit": None, "default_provider": ""})

    assert (cleared.daily_cost_limit, cleared.default_provider) == (None, None)


def test_an_unknown_key_is_refused_and_nothing_is_written(team: str) -> None:
    with pytest.raises(InvalidSettings) as refused:
        update_team_settings(team, {"max_repair_attempts": 4, "max_repairs": 4})

    assert refused.value.status_code == 422
    assert "Unknown setting(s): max_repairs" in refused.value.detail
    assert refused.value.errors == [
        {"loc": ["max_repairs"], "msg": "Unknown setting", "type": "extra_forbidden"}
    ]
    assert get_team_settings(team).max_repair_attempts == 3


@pytest.mark.parametrize(
    ("patch", "problem"),
    [
        ({"daily_cost_limit": -1}, "greater_than_equal"),
        ({"daily_cost_limit": "lots"}, "float_parsing"),
        ({"daily_cost_limit": float("inf")}, "finite_number"),
        ({"smart_model_fallback": "claude-sonnet-4"}, "value_error"),
        ({"smart_model_fallback": "anthropic:"}, "value_error"),
        ({"smart_model_fallback": ":claude"}, "value_error"),
        ({"smart_model_fallback": "my provider:model"}, "value_error"),
        ({"max_repair_attempts": -1}, "greater_than_equal"),
        ({"max_repair_attempts": 11}, "less_than_equal"),
        ({"max_repair_attempts": None}, "int_type"),
        ({"default_provider": "open ai"}, "string_pattern_mismatch"),
        ({"approval_gates": ["dev", "deploy"]}, "value_error"),
        ({"approval_gates": ["qa"]}, "value_error"),  # a phase, but one that cannot gate
        ({"on_reject": "ignore"}, "literal_error"),
        ({"breaker_failure_threshold": 0}, "greater_than_equal"),
        ({"breaker_failure_threshold": 101}, "less_than_equal"),
        ({"breaker_cooldown_seconds": 4}, "greater_than_equal"),
        ({"breaker_cooldown_seconds": 3601}, "less_than_equal"),
        ({"budget_alert_thresholds": [0]}, "greater_than_equal"),
        ({"budget_alert_thresholds": [101]}, "less_than_equal"),
        ({"budget_alert_thresholds": list(range(1, 12))}, "too_long"),
    ],
)
def test_bad_values_are_refused_with_the_setting_named(
    team: str, patch: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidSettings) as refused:
        update_team_settings(team, patch)

    (name,) = patch
    assert {error["type"] for error in refused.value.errors} == {problem}
    assert all(error["loc"][0] == name for error in refused.value.errors)
    assert name in refused.value.detail
    assert get_team_settings(team) == TeamSettings()


def test_values_are_normalized(team: str) -> None:
    settings = update_team_settings(
        team,
        {
            "smart_model_fallback": " anthropic/claude-3.5-sonnet ",
            "approval_gates": ["reviewer", "ba", "reviewer"],
            "budget_alert_thresholds": [100, 50, 50, 90],
        },
    )

    assert settings.smart_model_fallback == "anthropic:claude-3.5-sonnet"
    assert settings.fallback == ("anthropic", "claude-3.5-sonnet")
    assert settings.approval_gates == ["ba", "reviewer"]  # pipeline order, once each
    assert settings.budget_alert_thresholds == [50, 90, 100]


@pytest.mark.parametrize(
    ("reference", "parsed"),
    [
        ("anthropic:claude-sonnet-4", ("anthropic", "claude-sonnet-4")),
        ("anthropic/claude-3.5-sonnet", ("anthropic", "claude-3.5-sonnet")),
        (
            "bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0",
            ("bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ),
        ("openrouter:meta-llama/llama-3-70b", ("openrouter", "meta-llama/llama-3-70b")),
        ("bedrock/us.anthropic.claude-v2:1", ("bedrock", "us.anthropic.claude-v2:1")),
    ],
)
def test_a_model_reference_splits_at_the_first_separator(
    reference: str, parsed: tuple[str, str]
) -> None:
    assert parse_model_ref(reference) == parsed


def test_settings_name_the_providers_they_use() -> None:
    settings = TeamSettings(default_provider="openai", smart_model_fallback="anthropic:claude")

    assert settings.references_provider("openai")
    assert settings.references_provider("anthropic")
    assert not settings.references_provider("bedrock")


def test_each_team_has_its_own_settings(team: str) -> None:
    other = f"settings-{new_id()}"
    update_team_settings(team, {"max_repair_attempts": 9})

    assert get_team_settings(other).max_repair_attempts == 3
    assert get_team_settings(team).max_repair_attempts == 9


def test_stored_keys_the_code_no_longer_knows_fall_back_to_defaults(team: str) -> None:
    TeamSettingsItem(
        team_partition(team),
        SETTINGS_KEY,
        team_id=team,
        document={"retired_setting": True, "max_repair_attempts": 99, "on_reject": "revise"},
    ).save()

    read = get_team_settings(team)
    updated = update_team_settings(team, {"breaker_cooldown_seconds": 60})

    assert (read.max_repair_attempts, read.on_reject) == (3, "revise")
    assert (updated.breaker_cooldown_seconds, updated.on_reject) == (60, "revise")
    stored = TeamSettingsItem.get(team_partition(team), SETTINGS_KEY).document
    assert stored == {"on_reject": "revise", "breaker_cooldown_seconds": 60}


def test_of_two_concurrent_updates_one_wins_and_the_other_conflicts(
    team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    update_team_settings(team, {"max_repair_attempts": 1})
    # Both read version 1 before either writes: exactly one conditional write can succeed.
    both_read = threading.Barrier(2)
    get_stored = team_settings_store.get_stored

    def stored_then_wait(
        team_id: str, *, read: Mapping[ItemKey, Any] | None = None
    ) -> StoredSettings | None:
        stored = get_stored(team_id, read=read)
        if read is None:  # the update's consistent read, not a batch's
            both_read.wait(timeout=10)
        return stored

    monkeypatch.setattr(team_settings_store, "get_stored", stored_then_wait)

    def update(value: int) -> str:
        try:
            update_team_settings(team, {"max_repair_attempts": value})
        except Conflict:
            return "conflict"
        return f"won {value}"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(update, [2, 7]))

    assert sorted(outcome.split()[0] for outcome in outcomes) == ["conflict", "won"]
    winner = next(outcome for outcome in outcomes if outcome.startswith("won"))
    assert get_team_settings(team).max_repair_attempts == int(winner.split()[1])
