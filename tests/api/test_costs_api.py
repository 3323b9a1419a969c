"""The costs group over HTTP (ASGI): summaries and breakdowns of recorded calls, the team
budget, usage and allowances; who may change what; every error {detail, request_id}.

Requests go through the kernel middleware, so tests/api/conftest.py's guard fails any
DynamoDB Scan made while one is served.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared import audit
from shared.agents.schemas import AgentCreate
from shared.agents.service import create_agent
from shared.auth.principal import Principal, Role
from shared.auth.tokens import issue_token
from shared.costs.calls import CallRecord
from shared.costs.ledger import record_call
from shared.db.base import team_partition
from shared.identity.models import AuditItem, UserItem, user_key
from shared.ids import utcnow
from shared.jobs import store
from shared.pagination import PageParams
from tests.factories import assert_error, make_job

TEAM = "costs-api"
ADMIN, MEMBER, OTHER_MEMBER = "u-costs-admin", "u-costs-member", "u-costs-other"
PAGE_KEYS = {"items", "total", "limit", "offset", "next_cursor"}


def bearer(team_id: str, role: Role = "admin", subject: str = ADMIN) -> dict[str, str]:
    token = issue_token(Principal(subject=subject, team_id=team_id, role=role), ttl_seconds=600)
    return {"Authorization": f"Bearer {token}"}


def add_user(team_id: str, user_id: str, role: str = "member") -> None:
    UserItem(
        team_partition(team_id),
        user_key(user_id),
        team_id=team_id,
        user_id=user_id,
        email=f"{user_id}@example.com",
        role=role,
        password_hash="-",
    ).save()


def audit_log(team_id: str) -> list[AuditItem]:
    entries, _, _ = audit.entries(team_id, PageParams(limit=10))
    return entries


@dataclass(frozen=True)
class Seeded:
    agent_id: str
    job_id: str
    ghost_agent: str


@pytest.fixture(scope="module")
def client(aws: None) -> Iterator[TestClient]:
    from functions.costs.app import app

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def seeded(aws: None) -> Seeded:
    """Given three calls today: two by the member through a named agent on one job (openai
    and anthropic), one by another member through an agent that is not stored."""
    agent = create_agent(
        TEAM, AgentCreate(name="Dev agent", role="dev", llm_provider="openai", llm_model="gpt-4o")
    )
    job = store.create_job(make_job(TEAM, "field-notes"))
    for user_id in (MEMBER, OTHER_MEMBER):
        add_user(TEAM, user_id)
    add_user(TEAM, ADMIN, role="admin")
    ghost = "agent-gone"
    common: dict[str, Any] = {"team_id": TEAM, "at": utcnow()}
    calls = (
        # 1000 x 2.5 + 500 x 10 = 7500 micro-dollars
        CallRecord(
            **common,
            user_id=MEMBER,
            provider="openai",
            model="gpt-4o",
            tokens_in=1000,
            tokens_out=500,
            input_price_per_million=2.5,
            output_price_per_million=10,
            agent_id=agent.id,
            job_id=job.id,
        ),
        # 2000 x 3 + 1000 x 15 = 21000
        CallRecord(
            **common,
            user_id=MEMBER,
            provider="anthropic",
            model="claude-sonnet",
            tokens_in=2000,
            tokens_out=1000,
            input_price_per_million=3,
            output_price_per_million=15,
            agent_id=agent.id,
            job_id=job.id,
        ),
        # 100 x 1 + 100 x 1 = 200
        CallRecord(
            **common,
            user_id=OTHER_MEMBER,
            provider="openai",
            model="gpt-4o",
            tokens_in=100,
            tokens_out=100,
            input_price_per_million=1,
            output_price_per_million=1,
            agent_id=ghost,
        ),
    )
    for call in calls:
        record_call(call)
    return Seeded(agent_id=agent.id, job_id=job.id, ghost_agent=ghost)


def ok(answer: Any) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


# --- summaries and breakdowns ---------------------------------------------------------


def test_the_overview_is_the_summary_with_the_top_lines(client: TestClient, seeded: Seeded) -> None:
    body = ok(client.get("/api/v1/costs", headers=bearer(TEAM, "member", MEMBER)))

    assert body["total_cost_usd"] == 0.0287
    assert (body["total_calls"], body["total_tokens_in"], body["total_tokens_out"]) == (
        3,
        3100,
        1600,
    )
    assert (body["today_cost_usd"], body["month_cost_usd"]) == (0.0287, 0.0287)
    assert body["top_agent"] == "Dev agent"
    assert [(a["agent"], a["cost_usd"]) for a in body["by_agent"]] == [
        ("Dev agent", 0.0285),
        (seeded.ghost_agent, 0.0002),
    ]
    assert body["by_job"] == [
        {
            "job_id": seeded.job_id,
            "job_slug": "field-notes",
            "cost_usd": 0.0285,
            "calls": 2,
            "tokens_in": 3000,
            "tokens_out": 1500,
            "last_call_at": body["by_job"][0]["last_call_at"],
        }
    ]
    assert [(p["provider"], p["calls"]) for p in body["by_provider"]] == [
        ("anthropic", 1),
        ("openai", 2),
    ]
    assert [m["model"] for m in body["by_model"]] == ["claude-sonnet", "gpt-4o"]
    assert len(body["daily"]) == 7
    assert body["daily"][-1]["cost_usd"] == 0.0287


def test_the_summary_has_seed_001s_figures(client: TestClient, seeded: Seeded) -> None:
    body = ok(client.get("/api/v1/costs/summary", headers=bearer(TEAM, "member", MEMBER)))

    assert body["total_cost_usd"] == 0.0287
    assert body["total_calls"] == 3
    assert body["avg_cost_per_call"] == 0.009567  # 28700 / 3 micro-dollars, rounded
    assert (body["top_agent"], body["top_agent_id"]) == ("Dev agent", seeded.agent_id)
    assert body["today_calls"] == 3


def test_costs_by_agent_are_a_page_with_names(client: TestClient, seeded: Seeded) -> None:
    page = ok(client.get("/api/v1/costs/by-agent", headers=bearer(TEAM)))

    assert set(page) == PAGE_KEYS
    assert page["total"] == 2
    by_id = {item["agent_id"]: item for item in page["items"]}
    assert by_id[seeded.agent_id]["agent"] == "Dev agent"
    assert by_id[seeded.agent_id]["tokens_in"] == 3000
    assert by_id[seeded.ghost_agent]["agent"] == seeded.ghost_agent  # not stored: its id


def test_costs_by_job_show_the_slug(client: TestClient, seeded: Seeded) -> None:
    page = ok(client.get("/api/v1/costs/by-job", headers=bearer(TEAM)))

    assert page["total"] == 1
    assert page["items"][0]["job_slug"] == "field-notes"
    assert page["items"][0]["cost_usd"] == 0.0285


def test_costs_by_provider_page_with_a_cursor(client: TestClient, seeded: Seeded) -> None:
    headers = bearer(TEAM)

    first = ok(client.get("/api/v1/costs/by-provider", headers=headers, params={"limit": 1}))
    second = ok(
        client.get(
            "/api/v1/costs/by-provider",
            headers=headers,
            params={"limit": 1, "cursor": first["next_cursor"]},
        )
    )

    assert (first["total"], first["limit"]) == (2, 1)
    assert [item["provider"] for item in first["items"] + second["items"]] == [
        "anthropic",
        "openai",
    ]
    assert second["items"][0]["cost_usd"] == 0.0077  # 7500 + 200 micro-dollars
    assert second["items"][0]["calls"] == 2


def test_costs_by_model(client: TestClient, seeded: Seeded) -> None:
    page = ok(client.get("/api/v1/costs/by-model", headers=bearer(TEAM)))

    assert {(item["model"], item["calls"]) for item in page["items"]} == {
        ("claude-sonnet", 1),
        ("gpt-4o", 2),
    }


def test_a_cursor_of_another_breakdown_is_400(client: TestClient, seeded: Seeded) -> None:
    headers = bearer(TEAM)
    cursor = ok(client.get("/api/v1/costs/by-provider", headers=headers, params={"limit": 1}))[
        "next_cursor"
    ]

    answer = client.get("/api/v1/costs/by-agent", headers=headers, params={"cursor": cursor})

    assert_error(answer, 400)


def test_daily_costs_one_entry_a_day(client: TestClient, seeded: Seeded) -> None:
    headers = bearer(TEAM, "member", MEMBER)

    month = ok(client.get("/api/v1/costs/daily", headers=headers))
    three = ok(client.get("/api/v1/costs/daily", headers=headers, params={"days": 3}))

    assert len(month) == 30
    today = utcnow().date()
    assert [entry["date"] for entry in three] == [
        (today - timedelta(days=back)).isoformat() for back in (2, 1, 0)
    ]
    assert three[-1] == {
        "date": today.isoformat(),
        "cost_usd": 0.0287,
        "calls": 3,
        "tokens_in": 3100,
        "tokens_out": 1600,
    }
    assert three[0]["calls"] == 0


@pytest.mark.parametrize("days", ["0", "366", "-1", "many"])
def test_daily_costs_refuse_days_out_of_range(client: TestClient, days: str) -> None:
    answer = client.get("/api/v1/costs/daily", headers=bearer(TEAM), params={"days": days})

    assert_error(answer, 422)


def test_another_team_sees_none_of_these_costs(client: TestClient, seeded: Seeded) -> None:
    headers = bearer("costs-api-other")

    summary = ok(client.get("/api/v1/costs/summary", headers=headers))
    agents = ok(client.get("/api/v1/costs/by-agent", headers=headers))

    assert (summary["total_cost_usd"], summary["total_calls"], summary["top_agent"]) == (
        0.0,
        0,
        None,
    )
    assert (agents["total"], agents["items"]) == (0, [])


# --- budget ---------------------------------------------------------------------------


def test_a_team_without_a_budget_is_unlimited(client: TestClient, seeded: Seeded) -> None:
    body = ok(client.get("/api/v1/costs/budget", headers=bearer(TEAM, "member", MEMBER)))

    assert (body["monthly_limit"], body["daily_limit"]) == (None, None)
    assert body["alert_thresholds"] == [50, 80, 100]
    assert (body["daily_remaining_usd"], body["monthly_remaining_usd"]) == (None, None)
    assert body["today_spent_usd"] == 0.0287


def test_the_budget_round_trips_with_what_remains(client: TestClient, seeded: Seeded) -> None:
    team = "costs-api-budget"
    record_call(
        CallRecord(
            team_id=team,
            user_id=ADMIN,
            provider="openai",
            model="gpt-4o",
            tokens_in=1_000_000,
            tokens_out=0,
            input_price_per_million=0.25,
        )
    )
    body = {"monthly_limit": 100, "daily_limit": 5.5, "alert_thresholds": [90, 50, 50]}

    put = ok(client.put("/api/v1/costs/budget", headers=bearer(team), json=body))
    got = ok(client.get("/api/v1/costs/budget", headers=bearer(team, "member", MEMBER)))

    assert put == got
    assert (got["monthly_limit"], got["daily_limit"]) == (100.0, 5.5)
    assert got["alert_thresholds"] == [50, 90]
    assert (got["today_spent_usd"], got["daily_remaining_usd"]) == (0.25, 5.25)
    assert got["monthly_remaining_usd"] == 99.75
    assert got["updated_at"] is not None
    assert [(entry.action, entry.actor) for entry in audit_log(team)] == [("budget.update", ADMIN)]


def test_a_member_cannot_change_the_budget(client: TestClient) -> None:
    answer = client.put(
        "/api/v1/costs/budget",
        headers=bearer(TEAM, "member", MEMBER),
        json={"daily_limit": 1000},
    )

    assert_error(answer, 403)


@pytest.mark.parametrize(
    "body",
    [
        {"daily_limit": -1},
        {"monthly_limit": "lots"},
        # Numbers are strict, as the document says: not a string, not a boolean.
        {"daily_limit": "5.5"},
        {"daily_limit": False},
        {"alert_thresholds": [True]},
        {"alert_thresholds": [0]},
        {"alert_thresholds": [101]},
        {"daily_limit": 1, "weekly_limit": 5},
        {"monthly_limit": 1e12},
    ],
)
def test_a_bad_budget_is_422_and_changes_nothing(client: TestClient, body: dict[str, Any]) -> None:
    team = "costs-api-bad-budget"

    answer = client.put("/api/v1/costs/budget", headers=bearer(team), json=body)

    assert_error(answer, 422)
    assert isinstance(answer.json()["detail"], list)
    assert ok(client.get("/api/v1/costs/budget", headers=bearer(team)))["daily_limit"] is None


# --- usage and allowances -------------------------------------------------------------


def test_a_member_reads_their_own_usage(client: TestClient, seeded: Seeded) -> None:
    body = ok(client.get("/api/v1/users/me/usage", headers=bearer(TEAM, "member", MEMBER)))

    assert body["user_id"] == MEMBER
    assert (body["spent_usd"], body["calls"]) == (0.0285, 2)
    assert (body["monthly_allowance"], body["remaining_usd"]) == (None, None)
    assert body["month"] == utcnow().strftime("%Y-%m")


def test_a_member_cannot_read_anothers_usage(client: TestClient, seeded: Seeded) -> None:
    answer = client.get(
        "/api/v1/users/me/usage",
        headers=bearer(TEAM, "member", MEMBER),
        params={"user_id": OTHER_MEMBER},
    )

    assert_error(answer, 403)


def test_an_admin_reads_a_members_usage(client: TestClient, seeded: Seeded) -> None:
    body = ok(
        client.get("/api/v1/users/me/usage", headers=bearer(TEAM), params={"user_id": MEMBER})
    )

    assert (body["user_id"], body["spent_usd"]) == (MEMBER, 0.0285)


def test_an_admin_sets_a_members_allowance(client: TestClient, seeded: Seeded) -> None:
    answer = client.put(
        "/api/v1/users/me/monthly-allowance",
        headers=bearer(TEAM),
        params={"user_id": OTHER_MEMBER},
        json={"monthly_allowance": 0.01},
    )
    seen = ok(client.get("/api/v1/users/me/usage", headers=bearer(TEAM, "member", OTHER_MEMBER)))

    assert ok(answer) == seen
    assert seen["user_id"] == OTHER_MEMBER
    # The module's earlier 403s are in the log too, as permission denials (shared.denials).
    changes = [entry for entry in audit_log(TEAM) if entry.action != "permission_denied"]
    assert [(entry.action, entry.target) for entry in changes] == [
        ("allowance.update", OTHER_MEMBER)
    ]
    assert (seen["monthly_allowance"], seen["spent_usd"], seen["remaining_usd"]) == (
        0.01,
        0.0002,
        0.0098,
    )


def test_an_admin_sets_their_own_allowance_by_default(client: TestClient) -> None:
    team = "costs-api-own"

    body = ok(
        client.put(
            "/api/v1/users/me/monthly-allowance",
            headers=bearer(team),
            json={"monthly_allowance": 12},
        )
    )

    assert (body["user_id"], body["monthly_allowance"], body["remaining_usd"]) == (
        ADMIN,
        12.0,
        12.0,
    )


def test_a_member_cannot_set_an_allowance_not_even_their_own(client: TestClient) -> None:
    answer = client.put(
        "/api/v1/users/me/monthly-allowance",
        headers=bearer(TEAM, "member", MEMBER),
        json={"monthly_allowance": 1000},
    )

    assert_error(answer, 403)


def test_an_account_outside_the_team_is_404(client: TestClient, seeded: Seeded) -> None:
    # MEMBER is an account of TEAM, not of this admin's team.
    headers = bearer("costs-api-intruder")

    usage = client.get("/api/v1/users/me/usage", headers=headers, params={"user_id": MEMBER})
    allowance = client.put(
        "/api/v1/users/me/monthly-allowance",
        headers=headers,
        params={"user_id": MEMBER},
        json={"monthly_allowance": 1},
    )

    assert_error(usage, 404)
    assert_error(allowance, 404)


@pytest.mark.parametrize(
    ("params", "body"),
    [
        ({}, {"monthly_allowance": -5}),
        ({}, {"monthly_allowance": False}),
        ({}, {"monthlyAllowance": "5"}),  # seed 002's name is taken; a string is not
        ({"user_id": "a#b"}, {"monthly_allowance": 5}),
    ],
)
def test_a_bad_allowance_is_422(
    client: TestClient, params: dict[str, str], body: dict[str, Any]
) -> None:
    answer = client.put(
        "/api/v1/users/me/monthly-allowance", headers=bearer(TEAM), params=params, json=body
    )

    assert_error(answer, 422)


# --- the guard rails ------------------------------------------------------------------

ROUTES = (
    ("GET", "/api/v1/costs"),
    ("GET", "/api/v1/costs/summary"),
    ("GET", "/api/v1/costs/by-agent"),
    ("GET", "/api/v1/costs/by-job"),
    ("GET", "/api/v1/costs/by-provider"),
    ("GET", "/api/v1/costs/by-model"),
    ("GET", "/api/v1/costs/daily"),
    ("GET", "/api/v1/costs/budget"),
    ("PUT", "/api/v1/costs/budget"),
    ("GET", "/api/v1/users/me/usage"),
    ("PUT", "/api/v1/users/me/monthly-allowance"),
)


def test_no_route_scans(client: TestClient, seeded: Seeded, scan_guard: Any) -> None:
    """Every route, served under the scan guard (tests/api/conftest.py): Queries only."""
    before = len(scan_guard.violations)
    headers = bearer(TEAM)
    for method, path in ROUTES:
        body: dict[str, Any] | None = {} if method == "PUT" else None
        answer = client.request(method, path, headers=headers, json=body)
        assert answer.status_code == 200, (path, answer.text)

    assert scan_guard.violations[before:] == []
