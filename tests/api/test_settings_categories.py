"""Seed 003's settings by category and key over HTTP (ASGI): grouped reads, one key at a
time, all-or-nothing bulk updates naming each bad key, and the admins' dependency health."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared import audit
from shared.auth.principal import Principal, Role
from shared.auth.tokens import issue_token
from shared.pagination import PageParams
from shared.queues import QUEUES
from shared.team_settings import SETTING_NAMES
from shared.team_settings_categories import CATEGORIES, DOTTED_NAMES
from tests.factories import assert_error

BASE = "/api/v1/settings"


def bearer(team_id: str, role: Role = "admin") -> dict[str, str]:
    principal = Principal(subject=f"u-{role}-{team_id}", team_id=team_id, role=role)
    return {"Authorization": f"Bearer {issue_token(principal, ttl_seconds=600)}"}


@pytest.fixture(scope="module")
def client(aws: None) -> Iterator[TestClient]:
    from functions.settings.app import app

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def ok(answer: Any) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_every_setting_is_in_exactly_one_category() -> None:
    listed = [name for names in CATEGORIES.values() for name in names]

    assert sorted(listed) == sorted(SETTING_NAMES)
    assert len(DOTTED_NAMES) == len(set(DOTTED_NAMES)) == len(SETTING_NAMES)


def test_the_settings_grouped_by_category_are_the_flat_settings(client: TestClient) -> None:
    headers = bearer("categories-read", "member")

    grouped = ok(client.get(f"{BASE}/categories", headers=headers))
    flat = ok(client.get(BASE, headers=headers))

    assert set(grouped) == set(CATEGORIES)
    assert {key: value for group in grouped.values() for key, value in group.items()} == flat
    assert grouped["pipeline"]["on_reject"] == "fail"


def test_one_setting_by_category_and_key(client: TestClient) -> None:
    team = "categories-one"
    headers = bearer(team)

    answer = ok(
        client.put(f"{BASE}/pipeline/max_repair_attempts", headers=headers, json={"value": "4"})
    )
    cleared = ok(client.put(f"{BASE}/costs/daily_cost_limit", headers=headers, json={"value": 12}))

    assert answer == {"category": "pipeline", "key": "max_repair_attempts", "value": 4}
    assert cleared["value"] == 12
    flat = ok(client.get(BASE, headers=headers))
    assert (flat["max_repair_attempts"], flat["daily_cost_limit"]) == (4, 12)
    entries, _, _ = audit.entries(team, PageParams(limit=10))
    assert entries[0].action == "settings.update"


def test_one_setting_refusals(client: TestClient) -> None:
    headers = bearer("categories-refused")

    assert_error(client.put(f"{BASE}/pipeline/nope", headers=headers, json={"value": 1}), 404)
    assert_error(client.put(f"{BASE}/colours/red", headers=headers, json={"value": 1}), 404)
    # a wipe is not a setting: its resource answers, with the methods it has
    wiped = client.put(f"{BASE}/wipe/01JF3ZA1B2C3D4E5F6G7H8J9K0", headers=headers, json={})
    assert_error(wiped, 405)
    assert wiped.headers["Allow"] == "GET"
    # a real key under another category is not that category's
    assert_error(
        client.put(f"{BASE}/costs/max_repair_attempts", headers=headers, json={"value": 1}), 404
    )
    bad = client.put(f"{BASE}/pipeline/max_repair_attempts", headers=headers, json={"value": 99})
    assert_error(bad, 422)
    assert [error["loc"] for error in bad.json()["detail"]] == [["body", "value"]]
    assert_error(
        client.put(
            f"{BASE}/pipeline/max_repair_attempts",
            headers=bearer("categories-refused", "member"),
            json={"value": 3},
        ),
        403,
    )
    assert ok(client.get(BASE, headers=headers))["max_repair_attempts"] != 99


def test_bulk_applies_every_setting(client: TestClient) -> None:
    headers = bearer("categories-bulk")

    grouped = ok(
        client.put(
            f"{BASE}/bulk",
            headers=headers,
            json={
                "settings": {
                    "pipeline.max_repair_attempts": 2,
                    "pipeline.on_reject": "revise",
                    "costs.daily_cost_limit": "25.5",
                    "circuit_breakers.breaker_cooldown_seconds": 60,
                }
            },
        )
    )

    assert grouped["pipeline"]["max_repair_attempts"] == 2
    assert grouped["pipeline"]["on_reject"] == "revise"
    assert grouped["costs"]["daily_cost_limit"] == 25.5
    assert grouped["circuit_breakers"]["breaker_cooldown_seconds"] == 60
    assert ok(client.get("/api/v1/settings/categories", headers=headers)) == grouped


def test_bulk_is_all_or_nothing_and_names_each_bad_key(client: TestClient) -> None:
    headers = bearer("categories-bulk-bad")
    before = ok(client.get(f"{BASE}/categories", headers=headers))

    answer = client.put(
        f"{BASE}/bulk",
        headers=headers,
        json={
            "settings": {
                "pipeline.max_repair_attempts": 3,  # fine alone
                "pipeline.on_reject": "shrug",
                "costs.budget_alert_thresholds": [0],
                "pipeline.colour": "blue",
                "max_repair_attempts": 1,  # no category
            }
        },
    )

    assert_error(answer, 422)
    named = sorted({error["loc"][2] for error in answer.json()["detail"]})
    assert named == [
        "costs.budget_alert_thresholds",
        "max_repair_attempts",
        "pipeline.colour",
        "pipeline.on_reject",
    ]
    assert all(error["loc"][:2] == ["body", "settings"] for error in answer.json()["detail"])
    assert ok(client.get(f"{BASE}/categories", headers=headers)) == before


def test_bulk_needs_an_admin(client: TestClient) -> None:
    answer = client.put(
        f"{BASE}/bulk",
        headers=bearer("categories-bulk-member", "member"),
        json={"settings": {"pipeline.max_repair_attempts": 2}},
    )

    assert_error(answer, 403)


def test_health_names_every_dependency_with_its_time(client: TestClient) -> None:
    body = ok(client.get(f"{BASE}/health", headers=bearer("health-admin")))

    checks = {(check["kind"], check["name"]): check for check in body["checks"]}
    assert body["status"] == "ok", [c for c in body["checks"] if c["status"] != "ok"]
    assert ("table", "jobs") in checks
    assert ("table", "data") in checks
    assert ("bucket", "artifacts") in checks
    for queue in QUEUES:
        assert ("queue", queue.key) in checks
        assert ("queue", queue.dead_letter_key()) in checks
    assert ("state_machine", "generation") in checks
    assert ("state_machine", "workflows") in checks
    assert ("secrets", "secrets-manager") in checks
    assert all(check["latency_ms"] >= 0 for check in body["checks"])
    assert body["duration_ms"] >= 0


def test_health_reports_a_dependency_that_fails(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.settings import health

    real = health.probes

    def with_a_missing_bucket(settings: Any) -> Any:
        found = real(settings.model_copy(update={"artifacts_bucket": "no-such-bucket"}))
        return found

    monkeypatch.setattr(health, "probes", with_a_missing_bucket)
    body = ok(client.get(f"{BASE}/health", headers=bearer("health-admin")))

    bucket = next(check for check in body["checks"] if check["kind"] == "bucket")
    assert body["status"] == "degraded"
    assert bucket["status"] == "error"
    assert bucket["detail"] in {"404", "NoSuchBucket", "NotFound"}


def test_health_is_for_admins(client: TestClient) -> None:
    assert_error(client.get(f"{BASE}/health", headers=bearer("health-member", "member")), 403)
