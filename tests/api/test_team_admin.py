"""Team administration: an admin lists, invites, changes and disables the team's accounts,
and reads the team's audit log; members cannot; other teams are out of sight."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import STRONG_PASSWORD, Account, assert_error

USERS = "/api/v1/admin/users"
AUDIT = "/api/v1/admin/audit"


def audit_entries(admin: Account, **params: Any) -> dict[str, Any]:
    answer = admin.client.get(AUDIT, headers=admin.headers, params={"limit": 100, **params})
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def test_an_admin_lists_the_teams_accounts_only(new_account: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)
    outsider: Account = new_account()

    answer = admin.client.get(USERS, headers=admin.headers)

    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert set(page) == {"items", "total", "limit", "offset", "next_cursor"}
    assert page["total"] == 2
    assert (page["limit"], page["offset"], page["next_cursor"]) == (20, 0, None)
    assert {(user["id"], user["role"]) for user in page["items"]} == {
        (admin.user_id, "admin"),
        (member.user_id, "member"),
    }
    assert {user["team_id"] for user in page["items"]} == {admin.team_id}
    assert outsider.email not in answer.text
    assert "password" not in answer.text


def test_a_member_is_403_on_every_admin_route(new_account: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)
    client, headers = member.client, member.headers

    answers = {
        "list users": client.get(USERS, headers=headers),
        "invite": client.post(USERS, headers=headers, json={"email": "x@example.com"}),
        "get user": client.get(f"{USERS}/{admin.user_id}", headers=headers),
        "promote self": client.put(
            f"{USERS}/{member.user_id}", headers=headers, json={"role": "admin"}
        ),
        "demote admin": client.put(
            f"{USERS}/{admin.user_id}", headers=headers, json={"role": "member"}
        ),
        "audit": client.get(AUDIT, headers=headers),
        "invitations": client.get("/api/v1/admin/invitations", headers=headers),
    }

    assert {name: answer.status_code for name, answer in answers.items()} == {
        name: 403 for name in answers
    }
    for answer in answers.values():
        assert_error(answer, 403)
    me = admin.client.get(f"{USERS}/{member.user_id}", headers=admin.headers).json()
    assert me["role"] == "member"


def test_an_admin_changes_a_role_and_it_is_audited(new_account: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)

    answer = admin.client.put(
        f"{USERS}/{member.user_id}", headers=admin.headers, json={"role": "admin"}
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["role"] == "admin"
    stored = admin.client.get(f"{USERS}/{member.user_id}", headers=admin.headers).json()
    assert stored["role"] == "admin"
    changes = [e for e in audit_entries(admin)["items"] if e["action"] == "user.role_change"]
    assert len(changes) == 1
    assert changes[0]["actor"] == admin.user_id
    assert changes[0]["target"] == member.user_id
    assert changes[0]["detail"] == {"old": "member", "new": "admin"}


def test_a_role_change_ends_the_accounts_sessions(new_account: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)

    admin.client.put(f"{USERS}/{member.user_id}", headers=admin.headers, json={"role": "admin"})
    refreshed = member.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": member.tokens["refresh_token"]}
    )

    assert_error(refreshed, 401)


def test_an_admin_cannot_change_their_own_role_or_disable_themselves(new_account: Any) -> None:
    admin: Account = new_account()
    mine = f"{USERS}/{admin.user_id}"

    demote = admin.client.put(mine, headers=admin.headers, json={"role": "member"})
    disable = admin.client.put(mine, headers=admin.headers, json={"disabled": True})
    rename = admin.client.put(mine, headers=admin.headers, json={"full_name": "Ada L."})

    assert_error(demote, 409)
    assert_error(disable, 409)
    assert rename.status_code == 200, rename.text
    assert (rename.json()["role"], rename.json()["disabled"]) == ("admin", False)
    assert admin.client.get(USERS, headers=admin.headers).status_code == 200


def test_a_user_of_another_team_is_404(new_account: Any) -> None:
    admin: Account = new_account()
    outsider: Account = new_account()
    theirs = f"{USERS}/{outsider.user_id}"

    changed = admin.client.put(theirs, headers=admin.headers, json={"disabled": True})
    read = admin.client.get(theirs, headers=admin.headers)

    assert_error(changed, 404)
    assert_error(read, 404)
    assert outsider.client.get(USERS, headers=outsider.headers).status_code == 200


def test_a_disabled_account_cannot_sign_in_or_refresh(new_account: Any, client_at: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)

    answer = admin.client.put(
        f"{USERS}/{member.user_id}", headers=admin.headers, json={"disabled": True}
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["disabled"] is True
    refreshed = member.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": member.tokens["refresh_token"]}
    )
    login = client_at().post(
        "/api/v1/auth/login", json={"email": member.email, "password": member.password}
    )
    assert_error(refreshed, 401)
    assert_error(login, 401)
    actions = [(e["action"], e["outcome"]) for e in audit_entries(admin)["items"]]
    assert ("user.disable", "ok") in actions
    assert ("login", "denied") in actions


def test_the_audit_log_is_newest_first_and_pages_without_overlap(new_account: Any) -> None:
    admin: Account = new_account()
    new_account(invited_by=admin)
    everything = audit_entries(admin)
    assert everything["total"] >= 5
    ids = [entry["id"] for entry in everything["items"]]
    times = [entry["at"] for entry in everything["items"]]
    assert times == sorted(times, reverse=True)
    assert ids == sorted(ids, reverse=True)
    assert everything["items"][-1]["action"] == "account.registered"

    first = audit_entries(admin, limit=2)
    assert [entry["id"] for entry in first["items"]] == ids[:2]
    assert first["next_cursor"]
    walked = [entry["id"] for entry in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = audit_entries(admin, limit=2, cursor=cursor)
        assert len(page["items"]) <= 2
        assert page["total"] == everything["total"]
        walked += [entry["id"] for entry in page["items"]]
        cursor = page["next_cursor"]

    assert walked == ids


def test_the_audit_log_holds_only_the_teams_own_entries(new_account: Any) -> None:
    admin: Account = new_account()
    outsider: Account = new_account()
    outsider.client.post(USERS, headers=outsider.headers, json={"email": "o@example.com"})

    page = audit_entries(admin)

    assert {entry["actor"] for entry in page["items"]} == {admin.user_id}
    assert "user.invite" not in {entry["action"] for entry in page["items"]}
    assert outsider.user_id not in str(page)
    assert outsider.email not in str(page)


def test_a_members_failed_login_is_in_the_audit_log(new_account: Any, client_at: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)
    wrong = "not the password at all"

    failed = client_at().post("/api/v1/auth/login", json={"email": member.email, "password": wrong})

    assert_error(failed, 401)
    entries = audit_entries(admin)["items"]
    failures = [e for e in entries if e["action"] == "login" and e["outcome"] == "failed"]
    assert len(failures) == 1
    assert failures[0]["actor"] == member.user_id
    assert failures[0]["ip"]
    assert wrong not in str(entries)


def test_audit_entries_hold_no_passwords_hashes_or_tokens(new_account: Any, client_at: Any) -> None:
    admin: Account = new_account()
    email = "audited-invitee@example.com"
    invitation = admin.client.post(USERS, headers=admin.headers, json={"email": email})
    invitation_token = invitation.json()["invitation_token"]
    invitee: TestClient = client_at()
    invitee.post(
        "/api/v1/auth/register",
        json={"email": email, "password": STRONG_PASSWORD, "invitation_token": invitation_token},
    )
    login = invitee.post("/api/v1/auth/login", json={"email": email, "password": STRONG_PASSWORD})
    assert login.status_code == 200, login.text
    key = admin.client.post(
        "/api/v1/security/api-keys", headers=admin.headers, json={"name": "k"}
    ).json()["key"]
    agent_token = admin.client.post(
        "/api/v1/security/agent-tokens", headers=admin.headers, json={"name": "a"}
    ).json()["key"]
    client_at().post("/api/v1/auth/login", json={"email": email, "password": "wrong password!"})

    text = str(audit_entries(admin)["items"])

    secrets = {
        "password": STRONG_PASSWORD,
        "wrong password": "wrong password!",
        "argon2 hash": "$argon2",
        "invitation token": invitation_token.rsplit(".", 1)[1],
        "access token": admin.tokens["access_token"],
        "refresh token": admin.tokens["refresh_token"].rsplit(".", 1)[1],
        "invitee's refresh token": login.json()["refresh_token"].rsplit(".", 1)[1],
        "api key": key.rsplit(".", 1)[1],
        "api key hash": hashlib.sha256(key.encode()).hexdigest(),
        "agent token": agent_token.rsplit(".", 1)[1],
        "agent token hash": hashlib.sha256(agent_token.encode()).hexdigest(),
    }
    assert [name for name, secret in secrets.items() if secret in text] == []
    actions = {entry["action"] for entry in audit_entries(admin)["items"]}
    assert {"user.invite", "account.registered", "api_key.create", "agent_token.create"} <= actions


def test_inviting_an_email_that_has_an_account_is_409(new_account: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)
    outsider: Account = new_account()

    answers = [
        admin.client.post(USERS, headers=admin.headers, json={"email": email})
        for email in (member.email, outsider.email.upper(), admin.email)
    ]

    for answer in answers:
        assert_error(answer, 409)


def test_a_person_cannot_be_given_the_agent_role(new_account: Any) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)

    invited = admin.client.post(
        USERS, headers=admin.headers, json={"email": "agent-person@example.com", "role": "agent"}
    )
    changed = admin.client.put(
        f"{USERS}/{member.user_id}", headers=admin.headers, json={"role": "agent"}
    )

    assert invited.status_code == 422
    assert changed.status_code == 422


def test_inviting_creates_an_invitation_that_can_be_read_where_the_answer_says(
    new_account: Any, client_at: Any
) -> None:
    admin: Account = new_account()
    outsider: Account = new_account()
    email = f"invitee-{admin.team_id[:8].lower()}@example.com"

    invited = admin.client.post(USERS, headers=admin.headers, json={"email": email})

    assert invited.status_code == 201, invited.text
    invitation = invited.json()
    location = invited.headers["location"]
    assert location == f"/api/v1/admin/invitations/{invitation['id']}"
    # The id is an invitation's, not an account's: the invitee has no account yet.
    assert_error(admin.client.get(f"{USERS}/{invitation['id']}", headers=admin.headers), 404)
    read = admin.client.get(location, headers=admin.headers)
    assert read.status_code == 200, read.text
    assert read.json() == {
        key: value for key, value in invitation.items() if key != "invitation_token"
    }
    assert read.json()["accepted_by"] is None
    assert invitation["invitation_token"] not in read.text
    listed = admin.client.get("/api/v1/admin/invitations", headers=admin.headers).json()
    assert [item["id"] for item in listed["items"]] == [invitation["id"]]
    # Another team's admin does not see it.
    assert_error(outsider.client.get(location, headers=outsider.headers), 404)
    assert (
        outsider.client.get("/api/v1/admin/invitations", headers=outsider.headers).json()["total"]
        == 0
    )

    registered = client_at().post(
        "/api/v1/auth/register",
        json={
            "email": email,
            "password": STRONG_PASSWORD,
            "invitation_token": invitation["invitation_token"],
        },
    )

    assert registered.status_code == 201, registered.text
    accepted = admin.client.get(location, headers=admin.headers).json()
    assert accepted["accepted_by"] == registered.json()["id"]


def test_post_admin_invitations_invites_as_the_deprecated_path_does_and_refuses_bad_input(
    new_account: Any,
) -> None:
    # Given a team's admin and one of its members
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin, role="member")
    invitations = "/api/v1/admin/invitations"
    email = f"second-{admin.team_id[:8].lower()}@example.com"

    # When the admin invites through the documented path
    invited = admin.client.post(invitations, headers=admin.headers, json={"email": email})

    # Then it is an invitation, readable where the answer says, token shown only here
    assert invited.status_code == 201, invited.text
    body = invited.json()
    assert invited.headers["location"] == f"{invitations}/{body['id']}"
    assert body["email"] == email
    assert body["invitation_token"].startswith("sfi_")
    assert admin.client.get(invited.headers["location"], headers=admin.headers).status_code == 200
    # And bad input is refused with the error body: an unknown role, no email, a member
    assert_error(
        admin.client.post(invitations, headers=admin.headers, json={"email": email, "role": "x"}),
        422,
    )
    assert_error(admin.client.post(invitations, headers=admin.headers, json={}), 422)
    assert_error(
        member.client.post(invitations, headers=member.headers, json={"email": email}), 403
    )
