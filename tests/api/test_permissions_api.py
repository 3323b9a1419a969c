"""Seed 001's GET /permissions: every 403 a group answers a caller is recorded in the
caller's team's audit log as `permission_denied` where the answer is produced (the
`Forbidden` handler every app installs), and an admin reads the newest first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Account, assert_error

PERMISSIONS = "/api/v1/permissions"


def denials(admin: Account, **params: Any) -> dict[str, Any]:
    answer = admin.client.get(PERMISSIONS, headers=admin.headers, params=params)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def test_a_403_in_any_group_is_listed_newest_first(new_account: Callable[..., Account]) -> None:
    admin = new_account()
    member = new_account(invited_by=admin)
    assert_error(member.client.get("/api/v1/admin/users", headers=member.headers), 403)
    refused = member.client.put(
        "/api/v1/users/me/monthly-allowance",
        headers=member.headers,
        json={"monthlyAllowance": 1000},
    )
    assert_error(refused, 403)

    page = denials(admin)

    assert (page["total"], page["limit"]) == (2, 100)
    newest, oldest = page["items"]
    assert (newest["action"], newest["outcome"], newest["actor"]) == (
        "permission_denied",
        "denied",
        member.user_id,
    )
    assert (newest["target"], oldest["target"]) == (
        "/api/v1/users/me/monthly-allowance",
        "/api/v1/admin/users",
    )
    assert newest["detail"] == {
        "method": "PUT",
        "role": "member",
        "reason": refused.json()["detail"],
    }
    assert newest["ip"]
    assert newest["at"] >= oldest["at"]


def test_another_teams_denials_are_out_of_sight(new_account: Callable[..., Account]) -> None:
    admin, outsider = new_account(), new_account()
    other_member = new_account(invited_by=outsider)
    assert_error(other_member.client.get("/api/v1/admin/users", headers=other_member.headers), 403)

    assert denials(admin)["items"] == []
    assert denials(outsider)["total"] == 1


def test_an_api_keys_missing_scope_is_recorded_with_the_key(
    new_account: Callable[..., Account],
) -> None:
    admin = new_account()
    created = admin.client.post(
        "/api/v1/security/api-keys",
        headers=admin.headers,
        json={"name": "reader", "scopes": ["read"]},
    )
    assert created.status_code == 201, created.text
    key = created.json()

    answer = admin.client.put(
        "/api/v1/costs/budget",
        headers={"Authorization": f"Bearer {key['key']}"},
        json={"monthly_limit": 5},
    )

    assert_error(answer, 403)
    [entry] = denials(admin)["items"]
    assert (entry["actor"], entry["target"]) == (key["id"], "/api/v1/costs/budget")


def test_only_admins_read_the_denials(
    new_account: Callable[..., Account], client_at: Callable[..., TestClient]
) -> None:
    admin = new_account()
    member = new_account(invited_by=admin)

    refused = member.client.get(PERMISSIONS, headers=member.headers)
    anonymous = client_at().get(PERMISSIONS)  # no credential, not even a cookie

    assert_error(refused, 403)
    assert_error(anonymous, 401)  # no caller to record: answered only
    assert [entry["target"] for entry in denials(admin)["items"]] == [PERMISSIONS]


def test_the_listing_is_paged(new_account: Callable[..., Account]) -> None:
    admin = new_account()
    member = new_account(invited_by=admin)
    for _ in range(3):
        assert_error(member.client.get("/api/v1/admin/users", headers=member.headers), 403)

    first = denials(admin, limit=2)
    rest = denials(admin, limit=2, cursor=first["next_cursor"])

    assert (len(first["items"]), first["total"], len(rest["items"])) == (2, 3, 1)
    assert_error(admin.client.get(PERMISSIONS, headers=admin.headers, params={"limit": 101}), 422)
    bad = admin.client.get(PERMISSIONS, headers=admin.headers, params={"cursor": "nope"})
    assert_error(bad, 400)
