"""The settings group over HTTP (ASGI): typed team settings (admins write), the budget as the
one home of the daily limit, the system status and the team's KPIs; every error
{detail, request_id}.

Requests go through the kernel middleware, so tests/api/conftest.py's guard fails any
DynamoDB Scan made while one is served.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from functions.settings.schemas import SettingsPatch
from shared import audit
from shared.agents.schemas import AgentCreate
from shared.agents.service import create_agent, delete_agent
from shared.auth.principal import Principal, Role
from shared.auth.tokens import issue_token
from shared.costs import budget_store, budget_updates
from shared.costs.calls import CallRecord
from shared.costs.domain import Budget
from shared.costs.ledger import record_call
from shared.db.base import team_partition
from shared.db.tables import TABLES_BY_KEY
from shared.jobs import store
from shared.pagination import PageParams
from shared.pipeline.definition import DEFAULT_MAX_REPAIR_ATTEMPTS
from shared.team_settings import TeamSettings
from shared.team_settings_models import SETTINGS_KEY, TeamSettingsItem
from tests.factories import ADMIN_KEY, assert_error, make_job

SETTINGS, ALIAS = "/api/v1/settings", "/api/v1/system/settings"
BUDGET = "/api/v1/costs/budget"


def bearer(team_id: str, role: Role = "admin") -> dict[str, str]:
    principal = Principal(subject=f"u-{role}-{team_id}", team_id=team_id, role=role)
    return {"Authorization": f"Bearer {issue_token(principal, ttl_seconds=600)}"}


@pytest.fixture(scope="module")
def client(aws: None) -> Iterator[TestClient]:
    from functions.settings.app import app

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def costs(aws: None) -> Iterator[TestClient]:
    from functions.costs.app import app

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def ok(answer: Any) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def stored_document(team_id: str) -> dict[str, Any]:
    item = TeamSettingsItem.get(team_partition(team_id), SETTINGS_KEY, consistent_read=True)
    return dict(item.document)


# --- settings -------------------------------------------------------------------------


def test_a_new_team_has_the_defaults(client: TestClient) -> None:
    headers = bearer("settings-defaults", "member")

    body = ok(client.get(SETTINGS, headers=headers))

    assert body == {
        "daily_cost_limit": None,
        "smart_model_fallback": None,
        "max_repair_attempts": DEFAULT_MAX_REPAIR_ATTEMPTS,
        "default_provider": None,
        "approval_gates": [],
        "on_reject": "fail",
        "breaker_failure_threshold": 5,
        "breaker_cooldown_seconds": 30,
        "budget_alert_thresholds": [50, 80, 100],
    }
    assert ok(client.get(ALIAS, headers=headers)) == body


def test_an_update_is_partial_and_typed(client: TestClient) -> None:
    team = "settings-partial"
    headers = bearer(team)

    first = ok(
        client.post(
            SETTINGS,
            headers=headers,
            json={
                "max_repair_attempts": "5",
                "smart_model_fallback": "anthropic/claude-3.5-sonnet",
                "approval_gates": ["dev", "ba"],
            },
        )
    )
    second = ok(client.patch(ALIAS, headers=headers, json={"on_reject": "revise"}))

    assert first["max_repair_attempts"] == 5
    assert first["smart_model_fallback"] == "anthropic:claude-3.5-sonnet"
    assert first["approval_gates"] == ["ba", "dev"]  # pipeline order
    assert second == {**first, "on_reject": "revise"}
    assert ok(client.get(SETTINGS, headers=bearer(team, "member"))) == second
    entries, _, _ = audit.entries(team, PageParams(limit=10))
    assert [(entry.action, entry.detail["settings"]) for entry in entries] == [
        ("settings.update", ["on_reject"]),
        ("settings.update", ["approval_gates", "max_repair_attempts", "smart_model_fallback"]),
    ]


@pytest.mark.parametrize(
    "patch",
    [
        {"wipe_everything": True},
        {"max_repair_attempts": 4, "colour": "blue"},
        {"max_repair_attempts": 99},
        {"on_reject": "ignore"},
        {"approval_gates": ["export"]},
        {"smart_model_fallback": "no-model"},
        {"daily_cost_limit": -1},
        {"daily_cost_limit": "ten"},
        {"budget_alert_thresholds": [0]},
        {"budget_alert_thresholds": None},
    ],
)
def test_an_unknown_or_bad_setting_is_422_and_nothing_changes(
    client: TestClient, costs: TestClient, patch: dict[str, Any]
) -> None:
    team = "settings-refused"
    headers = bearer(team)
    before = ok(client.get(SETTINGS, headers=headers))
    budget_before = ok(costs.get(BUDGET, headers=headers))

    answer = client.post(SETTINGS, headers=headers, json=patch)

    assert_error(answer, 422)
    assert ok(client.get(SETTINGS, headers=headers)) == before
    assert ok(costs.get(BUDGET, headers=headers)) == budget_before


def test_an_unknown_setting_is_named(client: TestClient) -> None:
    answer = client.patch(ALIAS, headers=bearer("settings-named"), json={"colour": "blue"})

    assert_error(answer, 422)
    assert "colour" in str(answer.json()["detail"])


def test_the_patch_document_names_every_setting_and_only_those() -> None:
    # The body's schema is its own model (additionalProperties false, a type per setting):
    # a setting added to TeamSettings must be added there too, or it could not be set.
    assert list(SettingsPatch.model_fields) == list(TeamSettings.model_fields)


@pytest.mark.parametrize("body", [[1, 2], "text", None])
def test_a_body_that_is_not_an_object_is_422(client: TestClient, body: Any) -> None:
    answer = client.post(SETTINGS, headers=bearer("settings-shape"), json=body)

    assert_error(answer, 422)


def test_a_member_reads_but_cannot_write(client: TestClient) -> None:
    headers = bearer("settings-member", "member")

    assert client.get(SETTINGS, headers=headers).status_code == 200
    assert_error(client.post(SETTINGS, headers=headers, json={"on_reject": "revise"}), 403)
    assert_error(client.patch(ALIAS, headers=headers, json={"on_reject": "revise"}), 403)


# --- the daily limit has one home: the budget -------------------------------------------


def test_the_daily_limit_set_in_settings_is_the_budgets(
    client: TestClient, costs: TestClient
) -> None:
    team = "settings-limit-a"
    headers = bearer(team)
    ok(costs.put(BUDGET, headers=headers, json={"monthly_limit": 100, "daily_limit": 3}))

    settings = ok(
        client.post(
            SETTINGS,
            headers=headers,
            # White space around the number is any the schema allows (Python's), not ASCII's
            json={"daily_cost_limit": "\x1e10.00\u202f", "budget_alert_thresholds": [75, 25]},
        )
    )
    budget = ok(costs.get(BUDGET, headers=headers))

    assert settings["daily_cost_limit"] == budget["daily_limit"] == 10.0
    assert settings["budget_alert_thresholds"] == budget["alert_thresholds"] == [25, 75]
    assert budget["monthly_limit"] == 100.0  # the rest of the budget is kept
    assert "daily_cost_limit" not in stored_document_or_empty(team)


def stored_document_or_empty(team_id: str) -> dict[str, Any]:
    try:
        return stored_document(team_id)
    except TeamSettingsItem.DoesNotExist:
        return {}


def test_the_budgets_daily_limit_is_what_settings_read(
    client: TestClient, costs: TestClient
) -> None:
    team = "settings-limit-b"
    headers = bearer(team)
    ok(client.post(SETTINGS, headers=headers, json={"daily_cost_limit": 4, "on_reject": "revise"}))

    ok(costs.put(BUDGET, headers=headers, json={"daily_limit": 7, "alert_thresholds": [90]}))
    settings = ok(client.get(SETTINGS, headers=bearer(team, "member")))

    assert settings["daily_cost_limit"] == 7.0
    assert settings["budget_alert_thresholds"] == [90]
    assert settings["on_reject"] == "revise"
    assert set(stored_document(team)) == {"on_reject"}


def test_clearing_the_daily_limit_clears_the_budgets(client: TestClient, costs: TestClient) -> None:
    team = "settings-limit-c"
    headers = bearer(team)
    ok(client.post(SETTINGS, headers=headers, json={"daily_cost_limit": 2}))

    cleared = ok(client.patch(ALIAS, headers=headers, json={"daily_cost_limit": ""}))

    assert cleared["daily_cost_limit"] is None
    budget = ok(costs.get(BUDGET, headers=headers))
    assert budget["daily_limit"] is None
    assert budget["alert_thresholds"] == [50, 80, 100]  # a new budget keeps the defaults


@pytest.mark.usefixtures("aws")
def test_a_budget_write_between_read_and_write_is_not_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team = "settings-limit-race"
    budget_updates.set_budget(team, monthly_limit=100)
    read = budget_store.get_budget
    raced: list[bool] = []

    def read_then_a_put_lands(team_id: str, **kwargs: Any) -> Budget:
        budget = read(team_id, **kwargs)
        if not raced:
            raced.append(True)
            budget_updates.set_budget(team, monthly_limit=200, alert_thresholds=[60])
        return budget

    monkeypatch.setattr(budget_store, "get_budget", read_then_a_put_lands)

    budget = budget_updates.update_budget(team, daily_limit=5)

    assert (budget.monthly_limit, budget.daily_limit, budget.alert_thresholds) == (200, 5, [60])
    assert read(team) == budget


# --- system status --------------------------------------------------------------------


def test_the_system_status_names_things_by_logical_key(client: TestClient) -> None:
    team = "settings-status"
    store.create_job(make_job(team, "status-one"))
    store.create_job(make_job(team, "status-two"))
    agent = create_agent(
        team, AgentCreate(name="Gone", role="dev", llm_provider="p", llm_model="m")
    )
    delete_agent(team, agent.id)
    create_agent(team, AgentCreate(name="Kept", role="qa", llm_provider="p", llm_model="m"))
    add_provider(team, "bedrock-main", "anthropic.claude-v2")

    answer = client.get("/api/v1/system/status", headers=bearer(team))
    body = ok(answer)

    assert set(body) == {
        "status",
        "version",
        "stage",
        "queue_backend",
        "tables",
        "buckets",
        "event_bus",
        "counts",
    }
    assert (body["status"], body["queue_backend"], body["stage"]) == (
        "ok",
        "step-functions",
        "test",
    )
    assert set(body["tables"]) == set(TABLES_BY_KEY)
    assert body["tables"]["jobs"] == "factory-test-jobs"
    assert body["buckets"] == {"artifacts": "factory-test-artifacts"}
    assert body["counts"] == {"jobs": 2, "providers": 1, "agents": 1}
    text = answer.text.lower()
    for secret in (ADMIN_KEY.lower(), "secret", "signing", "arn:", "password", "key"):
        assert secret not in text


def test_the_system_status_is_for_admins(client: TestClient) -> None:
    assert_error(client.get("/api/v1/system/status", headers=bearer("x", "member")), 403)


# --- KPIs -----------------------------------------------------------------------------


def add_provider(team_id: str, name: str, model: str, *, enabled: bool = True) -> None:
    from shared.llm import registry as providers

    body = providers.ProviderCreate(name=name, kind="bedrock", default_model=model, enabled=enabled)
    providers.create(team_id, body)


def test_kpis_from_the_teams_items_and_rollups(client: TestClient) -> None:
    from functions.jobs.projects import ProjectCreate, create_project

    team = "settings-kpis"
    create_project(team, ProjectCreate(name="Alpha", status="discovery"))
    create_project(team, ProjectCreate(name="Beta", status="production"))
    create_project(team, ProjectCreate(name="Gamma", status="archived"))
    for slug, status in (("k-one", "passed"), ("k-two", "failed"), ("k-three", "running")):
        store.create_job(make_job(team, slug, status=status))
    store.create_job(make_job(team, "k-four", status="cancelled"))
    add_provider(team, "main", "anthropic.claude-v2")
    add_provider(team, "spare", "amazon.titan", enabled=False)
    for provider, model in (
        ("main", "anthropic.claude-v2"),
        ("main", "meta.llama3"),
        ("spare", "x"),
    ):
        create_agent(
            team, AgentCreate(name=model, role="dev", llm_provider=provider, llm_model=model)
        )
    record_call(
        CallRecord(
            team_id=team,
            user_id="u-kpis",
            provider="main",
            model="anthropic.claude-v2",
            tokens_in=1_000_000,
            tokens_out=0,
            input_price_per_million=1.25,
        )
    )

    body = ok(client.get("/api/v1/kpis", headers=bearer(team, "member")))

    assert body["total_projects"] == 3
    assert body["status_breakdown"] == {
        "discovery": 1,
        "development": 0,
        "production": 1,
        "blocked": 0,
        "archived": 1,
    }
    assert body["total_jobs"] == 4
    assert body["job_status_breakdown"] == {
        "queued": 0,
        "running": 1,
        "waiting_approval": 0,
        "passed": 1,
        "failed": 1,
        "cancelled": 1,
    }
    assert body["success_rate"] == 50.0
    assert (body["total_cost"], body["month_cost_usd"], body["total_calls"]) == (1.25, 1.25, 1)
    assert body["active_providers"] == 1
    assert body["active_models"] == 2  # main's default, and the llama agent on main


def test_kpis_of_an_empty_team(client: TestClient) -> None:
    body = ok(client.get("/api/v1/kpis", headers=bearer("settings-kpis-empty")))

    assert (body["total_projects"], body["total_jobs"], body["success_rate"]) == (0, 0, None)
    assert (body["total_cost"], body["active_models"], body["active_providers"]) == (0.0, 0, 0)


def test_kpis_follow_creates_status_changes_and_deletes(client: TestClient) -> None:
    from functions.jobs.projects import (
        ProjectCreate,
        ProjectFields,
        create_project,
        delete_project,
        update_project,
    )

    team = "settings-kpis-moves"
    first, second, third = (
        store.create_job(make_job(team, f"move-{n}", status="queued")) for n in range(3)
    )

    def to(status: str) -> Any:
        return lambda job: setattr(job, "status", status)

    store.update_job(team, first.id, to("running"))
    store.update_job(team, first.id, to("passed"))
    store.update_job(team, second.id, to("failed"))
    store.update_job(team, second.id, to("failed"))  # no move: counted once
    store.delete_job(team, third.id)
    kept = create_project(team, ProjectCreate(name="Kept", status="discovery"))
    update_project(team, kept.slug, ProjectFields(name="Kept", status="blocked"))
    gone = create_project(team, ProjectCreate(name="Gone", status="production"))
    delete_project(team, gone.id)

    body = ok(client.get("/api/v1/kpis", headers=bearer(team, "member")))

    assert body["total_jobs"] == 2
    assert body["job_status_breakdown"] == {
        "queued": 0,
        "running": 0,
        "waiting_approval": 0,
        "passed": 1,
        "failed": 1,
        "cancelled": 0,
    }
    assert body["success_rate"] == 50.0
    assert body["total_projects"] == 1
    assert body["status_breakdown"] == {
        "discovery": 0,
        "development": 0,
        "production": 0,
        "blocked": 1,
    }
    status = ok(client.get("/api/v1/system/status", headers=bearer(team)))
    assert status["counts"]["jobs"] == 2


@pytest.fixture
def items_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many items each DynamoDB read from here on evaluated (a Query's ScannedCount, a
    batch's items): what grows with history when a page reads every job."""
    from botocore.client import BaseClient

    counts: list[int] = []
    original = BaseClient._make_api_call

    def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        answer = original(client, operation, params)
        if operation == "Query":
            counts.append(int(answer.get("ScannedCount", 0)))
        elif operation == "BatchGetItem":
            counts.append(sum(len(items) for items in answer.get("Responses", {}).values()))
        return answer

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    return counts


def test_kpis_read_as_much_for_many_jobs_as_for_one(
    client: TestClient, dynamodb_calls: list[str], items_read: list[int]
) -> None:
    from functions.jobs.projects import ProjectCreate, create_project

    team = "settings-kpis-history"
    # One counter per status in use: the same statuses before and after.
    store.create_job(make_job(team, "history-0", status="passed"))
    store.create_job(make_job(team, "history-00", status="failed"))
    create_project(team, ProjectCreate(name="History 0"))

    def read_kpis() -> tuple[dict[str, Any], list[str], int]:
        dynamodb_calls.clear()
        items_read.clear()
        body = ok(client.get("/api/v1/kpis", headers=bearer(team, "member")))
        return body, list(dynamodb_calls), sum(items_read)

    read_kpis()  # the caches warmed (the team's IP rules, read once per container and window)
    _, requests_for_one, items_for_one = read_kpis()
    for n in range(1, 29):
        store.create_job(make_job(team, f"history-{n}", status="passed" if n % 2 else "failed"))
        create_project(team, ProjectCreate(name=f"History {n}"))
    create_project(team, ProjectCreate(name="History 29"))
    body, requests_for_many, items_for_many = read_kpis()

    assert (body["total_jobs"], body["total_projects"]) == (30, 30)
    assert (body["job_status_breakdown"]["passed"], body["success_rate"]) == (15, 50.0)
    assert requests_for_many == requests_for_one
    assert items_for_many == items_for_one  # the same counters, not one item per job


# --- the guard rails ------------------------------------------------------------------

ROUTES = (
    ("GET", SETTINGS),
    ("GET", ALIAS),
    ("POST", SETTINGS),
    ("PATCH", ALIAS),
    ("GET", "/api/v1/system/status"),
    ("GET", "/api/v1/kpis"),
)


def test_an_unknown_path_is_404_with_the_error_body(client: TestClient) -> None:
    assert_error(client.get("/api/v1/settings/nope", headers=bearer("x")), 404)
    assert_error(client.delete(SETTINGS, headers=bearer("x")), 405)


def test_no_route_scans(client: TestClient, scan_guard: Any) -> None:
    """Every route, served under the scan guard (tests/api/conftest.py): Queries only."""
    before = len(scan_guard.violations)
    headers = bearer("settings-kpis")
    for method, path in ROUTES:
        answer = client.request(method, path, headers=headers, json={})
        assert answer.status_code == 200, (path, answer.text)

    assert scan_guard.violations[before:] == []
