"""Agent tokens: made by admins, sent as X-Agent-Token, good only on routes marked for
agents, revocable, and rate limited per address."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.auth.dependencies import AGENT_AUTH_LIMIT
from tests.factories import Account, assert_error

TOKENS = "/api/v1/security/agent-tokens"


def create_token(admin: Account, **body: Any) -> dict[str, Any]:
    answer = admin.client.post(TOKENS, headers=admin.headers, json={"name": "bot", **body})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def agent(token: str) -> dict[str, str]:
    return {"X-Agent-Token": token}


def test_an_admin_creates_an_agent_token_shown_once(new_account: Any) -> None:
    admin: Account = new_account()

    created = create_token(admin, agent_id="builder-1")

    assert created["key"].startswith("sfa_")
    assert created["key"].startswith(created["prefix"])
    assert created["role"] == "agent"
    assert created["agent_id"] == "builder-1"
    listed = admin.client.get(TOKENS, headers=admin.headers)
    assert [item["id"] for item in listed.json()["items"]] == [created["id"]]
    assert created["key"].rsplit(".", 1)[1] not in listed.text


def test_a_member_cannot_create_or_list_agent_tokens(new_account: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)

    assert_error(member.client.post(TOKENS, headers=member.headers, json={"name": "b"}), 403)
    assert_error(member.client.get(TOKENS, headers=member.headers), 403)


def test_an_agent_token_names_an_agent(new_account: Any, client_at: Any) -> None:
    admin: Account = new_account()
    created = create_token(admin)
    caller: TestClient = client_at()

    answer = caller.get("/api/v1/auth/me", headers=agent(created["key"]))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "id": created["id"],
        "team_id": admin.team_id,
        "role": "agent",
        "auth": "agent_token",
        "email": None,
    }


def test_an_agent_token_works_on_agent_routes(new_account: Any, client_at: Any) -> None:
    admin: Account = new_account()
    key = create_token(admin)["key"]
    caller: TestClient = client_at()

    answer = caller.get("/api/v1/jobs", headers=agent(key))

    assert answer.status_code == 200, answer.text
    assert answer.json()["items"] == []


NOT_FOR_AGENTS: list[tuple[str, str, Any]] = [
    ("POST", "/api/v1/jobs", {"name": "Agent app"}),
    ("GET", "/api/v1/projects", None),
    ("POST", "/api/v1/projects", {"name": "Agent project"}),
    ("GET", "/api/v1/security/api-keys", None),
    ("POST", "/api/v1/security/api-keys", {"name": "k"}),
    ("POST", TOKENS, {"name": "t"}),
    ("GET", "/api/v1/admin/users", None),
    ("GET", "/api/v1/admin/audit", None),
]


def test_an_agent_token_is_403_on_routes_not_for_agents(new_account: Any, client_at: Any) -> None:
    admin: Account = new_account()
    key = create_token(admin)["key"]
    caller: TestClient = client_at()

    answers = {
        f"{method} {path}": caller.request(method, path, headers=agent(key), json=body)
        for method, path, body in NOT_FOR_AGENTS
    }

    assert {route: answer.status_code for route, answer in answers.items()} == {
        route: 403 for route in answers
    }
    for answer in answers.values():
        assert_error(answer, 403)
    jobs = admin.client.get("/api/v1/jobs", headers=admin.headers).json()
    assert jobs["total"] == 0, "the refused request changed nothing"


def test_a_revoked_agent_token_is_401(new_account: Any, client_at: Any) -> None:
    admin: Account = new_account()
    created = create_token(admin)
    caller: TestClient = client_at()
    assert caller.get("/api/v1/jobs", headers=agent(created["key"])).status_code == 200

    revoked = admin.client.delete(f"{TOKENS}/{created['id']}", headers=admin.headers)

    assert revoked.status_code == 204
    assert_error(caller.get("/api/v1/jobs", headers=agent(created["key"])), 401)
    assert_error(caller.get("/api/v1/auth/me", headers=agent(created["key"])), 401)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("garbage", id="garbage"),
        pytest.param("sfa_team.01ARZ3NDEKTSV4RRFFQ69G5FAV." + "x" * 43, id="unknown"),
        pytest.param("sfk_team.01ARZ3NDEKTSV4RRFFQ69G5FAV." + "x" * 43, id="api-key-shape"),
    ],
)
def test_a_bad_agent_token_is_401(client_at: Any, token: str) -> None:
    caller: TestClient = client_at()

    assert_error(caller.get("/api/v1/jobs", headers=agent(token)), 401)


def test_an_api_key_is_not_an_agent_token(new_account: Any) -> None:
    admin: Account = new_account()
    api_key = admin.client.post(
        "/api/v1/security/api-keys", headers=admin.headers, json={"name": "k"}
    ).json()["key"]

    assert_error(admin.client.get("/api/v1/jobs", headers=agent(api_key)), 401)


def _wait_for_room_in_the_window(needed_seconds: float = 5.0) -> None:
    """Start in a fixed window with time to spare, so all requests count in one window."""
    window = AGENT_AUTH_LIMIT.window_seconds
    left = window - time.time() % window
    if left < needed_seconds:
        time.sleep(left + 0.05)


def test_agent_authentication_is_rate_limited_per_address(new_account: Any, client_at: Any) -> None:
    admin: Account = new_account()
    key = create_token(admin)["key"]
    limited: TestClient = client_at("198.51.100.77")
    _wait_for_room_in_the_window()

    answers = [limited.get("/api/v1/auth/me", headers=agent(key)) for _ in range(20)]
    over = limited.get("/api/v1/auth/me", headers=agent(key))
    elsewhere = client_at().get("/api/v1/auth/me", headers=agent(key))

    assert [answer.status_code for answer in answers] == [200] * 20
    assert_error(over, 429)
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    assert elsewhere.status_code == 200, elsewhere.text


def test_invalid_agent_tokens_count_toward_the_limit(new_account: Any, client_at: Any) -> None:
    admin: Account = new_account()
    key = create_token(admin)["key"]
    limited: TestClient = client_at("198.51.100.78")
    _wait_for_room_in_the_window()

    guesses = [limited.get("/api/v1/auth/me", headers=agent("guess")) for _ in range(20)]
    valid = limited.get("/api/v1/auth/me", headers=agent(key))

    assert [answer.status_code for answer in guesses] == [401] * 20
    assert_error(valid, 429)
