"""API keys: created by a signed-in person, shown once, used as Bearer, scoped, revoked."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import ADMIN_KEY, Account, assert_error, bearer

KEYS = "/api/v1/security/api-keys"


def create_key(account: Account, **body: Any) -> dict[str, Any]:
    answer = account.client.post(KEYS, headers=account.headers, json={"name": "ci", **body})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def secret_of(key: str) -> str:
    return key.rsplit(".", 1)[1]


def test_a_new_key_is_shown_once_and_never_listed(new_account: Any) -> None:
    admin: Account = new_account()

    created = create_key(admin)

    key = created["key"]
    assert key.startswith("sfk_")
    assert key.startswith(created["prefix"])
    assert len(created["prefix"]) < len(key)
    assert created["kind"] == "api_key"
    assert created["created_by"] == admin.user_id
    stored_hash = hashlib.sha256(key.encode()).hexdigest()
    listed = admin.client.get(KEYS, headers=admin.headers)
    one = admin.client.get(f"{KEYS}/{created['id']}", headers=admin.headers)
    for answer in (listed, one):
        assert answer.status_code == 200
        assert secret_of(key) not in answer.text
        assert stored_hash not in answer.text
        assert "secret_hash" not in answer.text
    assert [item["id"] for item in listed.json()["items"]] == [created["id"]]
    assert "key" not in listed.json()["items"][0]
    assert "key" not in one.json()
    assert one.json()["prefix"] == created["prefix"]


def test_a_key_works_as_bearer_with_read_and_write_by_default(
    new_account: Any, client_at: Any
) -> None:
    admin: Account = new_account()
    created = create_key(admin)
    assert created["scopes"] == ["read", "write"]
    assert created["last_used_at"] is None
    caller: TestClient = client_at()

    jobs = caller.get("/api/v1/jobs", headers=bearer(created["key"]))
    project = caller.post(
        "/api/v1/projects", headers=bearer(created["key"]), json={"name": "Key made"}
    )
    me = caller.get("/api/v1/auth/me", headers=bearer(created["key"]))

    assert jobs.status_code == 200, jobs.text
    assert project.status_code == 201, project.text
    assert project.json()["slug"] == "key-made"
    assert me.json() == {
        "id": created["id"],
        "team_id": admin.team_id,
        "role": "admin",
        "auth": "api_key",
        "email": None,
    }
    after = admin.client.get(f"{KEYS}/{created['id']}", headers=admin.headers).json()
    assert after["last_used_at"] is not None


def test_a_read_only_key_reads_but_cannot_change(new_account: Any) -> None:
    admin: Account = new_account()
    key = create_key(admin, scopes=["read"])["key"]

    assert admin.client.get("/api/v1/jobs", headers=bearer(key)).status_code == 200
    answer = admin.client.post("/api/v1/projects", headers=bearer(key), json={"name": "Nope"})

    assert_error(answer, 403)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"name": "k", "scopes": ["root"]}, id="unknown-scope"),
        pytest.param({"name": "k", "scopes": ["read", "delete"]}, id="one-unknown-scope"),
        pytest.param({"name": "k", "scopes": []}, id="no-scopes"),
        pytest.param({"name": "k", "role": "admin"}, id="unknown-field"),
        pytest.param({"name": "k", "team_id": "other"}, id="team-field"),
        pytest.param({"name": ""}, id="empty-name"),
    ],
)
def test_a_bad_key_request_is_422(client_at: Any, body: Any) -> None:
    # A service token from an address of its own: the admin key's limit counts per address.
    client: TestClient = client_at()
    issued = client.post(
        "/api/v1/auth/token", headers={"X-Admin-Key": ADMIN_KEY}, json={"team_id": "keys-422"}
    )
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}

    answer = client.post(KEYS, headers=headers, json=body)

    assert answer.status_code == 422, answer.text


def test_a_member_cannot_create_an_admin_scoped_key(new_account: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)

    answer = member.client.post(
        KEYS, headers=member.headers, json={"name": "k", "scopes": ["read", "admin"]}
    )

    assert_error(answer, 403)
    assert member.client.get(KEYS, headers=member.headers).json()["total"] == 0


def test_only_a_key_with_the_admin_scope_reaches_admin_routes(
    new_account: Any, client_at: Any
) -> None:
    admin: Account = new_account()
    with_admin = create_key(admin, scopes=["read", "write", "admin"])["key"]
    without_admin = create_key(admin)["key"]
    caller: TestClient = client_at()

    allowed = caller.get("/api/v1/admin/users", headers=bearer(with_admin))
    refused = caller.get("/api/v1/admin/users", headers=bearer(without_admin))

    assert allowed.status_code == 200, allowed.text
    assert [user["id"] for user in allowed.json()["items"]] == [admin.user_id]
    assert_error(refused, 403)


def test_a_key_cannot_create_another_key(new_account: Any) -> None:
    admin: Account = new_account()
    key = create_key(admin, scopes=["read", "write", "admin"])["key"]

    answer = admin.client.post(KEYS, headers=bearer(key), json={"name": "child"})

    assert_error(answer, 403)
    assert admin.client.get(KEYS, headers=admin.headers).json()["total"] == 1


def test_a_revoked_key_is_401_and_revoking_again_is_fine(new_account: Any) -> None:
    admin: Account = new_account()
    created = create_key(admin)
    assert admin.client.get("/api/v1/jobs", headers=bearer(created["key"])).status_code == 200

    first = admin.client.delete(f"{KEYS}/{created['id']}", headers=admin.headers)
    refused = admin.client.get("/api/v1/jobs", headers=bearer(created["key"]))
    again = admin.client.delete(f"{KEYS}/{created['id']}", headers=admin.headers)

    assert first.status_code == 204
    assert_error(refused, 401)
    assert again.status_code == 204
    listed = admin.client.get(f"{KEYS}/{created['id']}", headers=admin.headers).json()
    assert listed["revoked_at"] is not None


def test_a_tampered_key_is_401(new_account: Any) -> None:
    admin: Account = new_account()
    key = create_key(admin)["key"]
    last = key[-1]
    tampered = key[:-1] + ("A" if last != "A" else "B")

    answer = admin.client.get("/api/v1/jobs", headers=bearer(tampered))

    assert_error(answer, 401)
    assert admin.client.get("/api/v1/jobs", headers=bearer(key)).status_code == 200


def test_a_key_with_another_teams_key_id_spliced_in_is_401(new_account: Any) -> None:
    team_a: Account = new_account()
    team_b: Account = new_account()
    key_a = create_key(team_a)["key"]
    key_b = create_key(team_b)
    kind_and_team_a, _, secret_a = key_a.split(".")
    team_b_part = key_b["key"].split(".")[0]

    spliced = [
        f"{kind_and_team_a}.{key_b['id']}.{secret_a}",
        f"{team_b_part}.{key_b['id']}.{secret_a}",
    ]

    for key in spliced:
        assert_error(team_a.client.get("/api/v1/jobs", headers=bearer(key)), 401)


def test_a_member_sees_only_their_own_keys_and_an_admin_all(new_account: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)
    other: Account = new_account(invited_by=admin)
    admins_key = create_key(admin, name="admin's")
    members_key = create_key(member, name="member's")
    others_key = create_key(other, name="other's")

    members_list = member.client.get(KEYS, headers=member.headers).json()
    admins_list = admin.client.get(KEYS, headers=admin.headers).json()

    assert [item["id"] for item in members_list["items"]] == [members_key["id"]]
    assert members_list["total"] == 1
    assert {item["id"] for item in admins_list["items"]} == {
        admins_key["id"],
        members_key["id"],
        others_key["id"],
    }
    assert admins_list["total"] == 3
    for key_id in (others_key["id"], admins_key["id"]):
        assert_error(member.client.get(f"{KEYS}/{key_id}", headers=member.headers), 404)
        assert_error(member.client.delete(f"{KEYS}/{key_id}", headers=member.headers), 404)
    assert admin.client.get("/api/v1/jobs", headers=bearer(admins_key["key"])).status_code == 200
    assert other.client.get("/api/v1/jobs", headers=bearer(others_key["key"])).status_code == 200


def test_an_admin_can_revoke_a_members_key(new_account: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)
    members_key = create_key(member)

    answer = admin.client.delete(f"{KEYS}/{members_key['id']}", headers=admin.headers)

    assert answer.status_code == 204
    assert_error(member.client.get("/api/v1/jobs", headers=bearer(members_key["key"])), 401)


def test_creating_and_revoking_a_key_is_audited(new_account: Any) -> None:
    admin: Account = new_account()
    created = create_key(admin, name="audited", scopes=["read"])
    admin.client.delete(f"{KEYS}/{created['id']}", headers=admin.headers)

    entries = admin.client.get("/api/v1/admin/audit", headers=admin.headers).json()["items"]

    by_action = {entry["action"]: entry for entry in entries}
    assert by_action["api_key.create"]["target"] == created["id"]
    assert by_action["api_key.create"]["actor"] == admin.user_id
    assert by_action["api_key.create"]["detail"] == {"name": "audited", "scopes": ["read"]}
    assert by_action["api_key.revoke"]["target"] == created["id"]
    assert by_action["api_key.revoke"]["outcome"] == "ok"
    assert secret_of(created["key"]) not in str(entries)


def test_a_demoted_admins_keys_are_revoked(new_account: Any) -> None:
    admin: Account = new_account()
    second: Account = new_account(invited_by=admin, role="admin")
    key = create_key(second, scopes=["read", "write", "admin"])["key"]
    assert second.client.get("/api/v1/admin/users", headers=bearer(key)).status_code == 200

    demoted = admin.client.put(
        f"/api/v1/admin/users/{second.user_id}", headers=admin.headers, json={"role": "member"}
    )

    assert demoted.status_code == 200, demoted.text
    assert second.client.get("/api/v1/admin/users", headers=bearer(key)).status_code == 401


def test_a_disabled_accounts_keys_stop_working(new_account: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)
    key = create_key(member)["key"]
    assert member.client.get("/api/v1/jobs", headers=bearer(key)).status_code == 200

    disabled = admin.client.put(
        f"/api/v1/admin/users/{member.user_id}", headers=admin.headers, json={"disabled": True}
    )

    assert disabled.status_code == 200, disabled.text
    assert member.client.get("/api/v1/jobs", headers=bearer(key)).status_code == 401


def test_a_member_pages_through_their_own_keys_among_others(new_account: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)
    mine = []
    for n in range(3):
        create_key(admin, name=f"admin-{n}")
        mine.append(create_key(member, name=f"member-{n}")["id"])
    create_key(admin, name="admin-last")

    walked: list[str] = []
    params: dict[str, Any] = {"limit": 1}
    while True:
        page = member.client.get(KEYS, headers=member.headers, params=params).json()
        assert page["total"] == 3
        walked += [item["id"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        params = {"limit": 1, "cursor": page["next_cursor"]}

    assert walked == list(reversed(mine))
    second = member.client.get(KEYS, headers=member.headers, params={"limit": 1, "offset": 1})
    assert [item["id"] for item in second.json()["items"]] == [mine[1]]
