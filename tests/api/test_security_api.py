"""Security administration end to end: settings, the password policy and its floor, active
sessions and their revocation, and IP rules every group enforces (403 before any work)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.auth import team_security
from shared.auth.principal import Principal
from shared.auth.tokens import issue_token
from shared.ids import utcnow
from shared.ip_rules import guard, store
from shared.ip_rules.domain import IpRule
from shared.sandbox import runner
from tests.factories import STRONG_PASSWORD, Account, assert_error

API = "/api/v1"
SECURITY = f"{API}/security"
POLICY = f"{SECURITY}/password-policy"
SESSIONS = f"{SECURITY}/sessions"
RULES = f"{SECURITY}/ip-rules"
REFUSED = "Requests from this address are not allowed for this team"


@pytest.fixture(scope="module", autouse=True)
def _spare_child() -> Iterator[None]:
    yield
    runner.discard_spare()


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    yield
    guard.forget()
    team_security.forget()


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


def as_client(account: Account, client: TestClient) -> Account:
    """The same credential, presented from another client (another address)."""
    clone = Account.__new__(Account)
    clone.__dict__.update(account.__dict__)
    clone.client = client
    return clone


def put_rules(account: Account, *rules: tuple[str, str]) -> Any:
    body = {"rules": [{"cidr": cidr, "action": action} for cidr, action in rules]}
    return account.client.put(RULES, headers=account.headers, json=body)


def assert_refused(answer: Any) -> None:
    assert answer.status_code == 403, answer.text
    assert answer.json()["detail"] == REFUSED
    assert set(answer.json()) == {"detail", "request_id"}


# --- settings ----------------------------------------------------------------------------


def test_the_settings_start_at_the_defaults_and_change_field_by_field(admin: Account) -> None:
    first = admin.client.get(SECURITY, headers=admin.headers)
    assert first.status_code == 200, first.text
    assert first.json()["mfa_required_for_admins"] is False
    assert first.json()["session_lifetime_is_default"] is True
    assert first.json()["session_lifetime_hours"] == first.json()["max_session_lifetime_hours"]
    assert first.json()["password_policy"]["min_length"] == 12
    assert first.json()["ip_rules"] == {"allow": 0, "block": 0}

    changed = admin.client.put(SECURITY, headers=admin.headers, json={"session_lifetime_hours": 8})
    assert changed.status_code == 200, changed.text
    assert changed.json()["session_lifetime_hours"] == 8
    assert changed.json()["session_lifetime_is_default"] is False
    assert changed.json()["updated_by"] == admin.user_id
    # A sign-in from now on lasts 8 hours.
    signed_in = admin.client.post(
        f"{API}/auth/login", json={"email": admin.email, "password": admin.password}
    )
    sessions = admin.client.get(SESSIONS, headers=admin.headers).json()["items"]
    newest = sessions[0]
    assert signed_in.status_code == 200
    started = utcnow()
    lasts = _parse(newest["expires_at"]) - started
    assert 7.9 * 3600 < lasts.total_seconds() <= 8 * 3600

    reset = admin.client.put(SECURITY, headers=admin.headers, json={"session_lifetime_hours": None})
    assert reset.json()["session_lifetime_is_default"] is True


def _parse(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_settings_are_for_admins_and_refuse_nonsense(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    member = new_account(invited_by=admin, role="member")

    assert_error(member.client.get(SECURITY, headers=member.headers), 403)
    assert_error(member.client.put(RULES, headers=member.headers, json={"rules": []}), 403)
    for body in ({"session_lifetime_hours": 0}, {"mfa_required_for_admins": None}, {"x": 1}):
        assert_error(admin.client.put(SECURITY, headers=admin.headers, json=body), 422)


def test_requiring_mfa_for_admins_needs_an_mfa_sign_in_and_then_holds(
    admin: Account, token_for: Callable[..., dict[str, str]]
) -> None:
    # From a sign-in without MFA: this very admin would lose its rights.
    refused = admin.client.put(
        SECURITY, headers=admin.headers, json={"mfa_required_for_admins": True}
    )
    assert_error(refused, 409)

    # A service token of the team (the admin key's) is no sign-in: it may.
    service = token_for(admin.team_id)
    turned_on = admin.client.put(SECURITY, headers=service, json={"mfa_required_for_admins": True})
    assert turned_on.status_code == 200, turned_on.text

    blocked = admin.client.get(RULES, headers=admin.headers)
    assert blocked.status_code == 403
    assert "requires admins to use MFA" in blocked.json()["detail"]
    # Routes for every member stay open to it.
    assert admin.client.get(f"{API}/auth/me", headers=admin.headers).status_code == 200
    # An access token issued to the same admin with MFA passes.
    with_mfa = issue_token(
        Principal(subject=admin.user_id, team_id=admin.team_id, role="admin", mfa=True),
        ttl_seconds=300,
    )
    allowed = admin.client.get(RULES, headers={"Authorization": f"Bearer {with_mfa}"})
    assert allowed.status_code == 200, allowed.text


# --- the password policy -------------------------------------------------------------------


def test_the_floor_cannot_be_lowered(admin: Account) -> None:
    policy = admin.client.get(POLICY, headers=admin.headers).json()
    assert policy["floor"] == {"min_length": 12, "min_unique_characters": 4}

    for field, value in (("min_length", 8), ("min_unique_characters", 3)):
        lowered = admin.client.put(POLICY, headers=admin.headers, json={field: value})
        assert lowered.status_code == 422, lowered.text
        (error,) = lowered.json()["detail"]
        assert error["loc"][-1] == field
        assert str(policy["floor"][field]) in error["msg"]

    assert admin.client.get(POLICY, headers=admin.headers).json() == policy


def test_a_raised_policy_holds_at_registration_into_the_team_and_password_change(
    admin: Account, client_at: Callable[..., TestClient]
) -> None:
    raised = admin.client.put(
        POLICY,
        headers=admin.headers,
        json={"min_length": 30, "require_digit": True, "require_uppercase": True},
    )
    assert raised.status_code == 200, raised.text
    assert raised.json()["min_length"] == 30
    assert raised.json()["require_symbol"] is False

    # An account the admin creates (by invitation) registers under the team's policy.
    email = f"invited-{admin.user_id.lower()}@example.com"
    invitation = admin.client.post(
        f"{API}/admin/users", headers=admin.headers, json={"email": email, "role": "member"}
    ).json()["invitation_token"]
    newcomer = client_at()
    register = {"email": email, "full_name": "New", "invitation_token": invitation}
    weak = newcomer.post(f"{API}/auth/register", json={**register, "password": STRONG_PASSWORD})
    assert_error(weak, 422)
    assert "at least 30 characters" in weak.json()["detail"]
    no_digit = newcomer.post(
        f"{API}/auth/register", json={**register, "password": "Correct horse battery staple ok"}
    )
    assert_error(no_digit, 422)
    assert "a digit" in no_digit.json()["detail"]
    good = "Correct horse battery staple 42"
    assert (
        newcomer.post(f"{API}/auth/register", json={**register, "password": good}).status_code
        == 201
    )

    # The admin's own next password too.
    change = {"current_password": admin.password, "new_password": "correct horse battery staple 77"}
    refused = admin.client.post(f"{API}/auth/change-password", headers=admin.headers, json=change)
    assert_error(refused, 422)
    assert "upper-case" in refused.json()["detail"]

    # Another team (a new registration) keeps the floor.
    elsewhere = client_at().post(
        f"{API}/auth/register",
        json={"email": f"x-{admin.user_id.lower()}@example.com", "password": STRONG_PASSWORD},
    )
    assert elsewhere.status_code == 201, elsewhere.text


# --- sessions --------------------------------------------------------------------------------


def test_an_admin_lists_and_revokes_a_members_session(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    member = new_account(invited_by=admin, role="member")

    listed = admin.client.get(SESSIONS, headers=admin.headers)
    assert listed.status_code == 200, listed.text
    by_user = {item["user_id"]: item for item in listed.json()["items"]}
    assert set(by_user) == {admin.user_id, member.user_id}
    assert by_user[admin.user_id]["current"] is True
    assert by_user[member.user_id]["current"] is False
    only = admin.client.get(SESSIONS, headers=admin.headers, params={"user_id": member.user_id})
    assert [item["user_id"] for item in only.json()["items"]] == [member.user_id]

    family = by_user[member.user_id]["id"]
    revoked = admin.client.delete(f"{SESSIONS}/{family}", headers=admin.headers)
    assert revoked.status_code == 204, revoked.text

    refreshed = member.client.post(
        f"{API}/auth/refresh", json={"refresh_token": member.tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    after = admin.client.get(SESSIONS, headers=admin.headers).json()["items"]
    assert member.user_id not in {item["user_id"] for item in after}
    audit = admin.client.get(f"{API}/admin/audit", headers=admin.headers).json()["items"]
    assert any(e["action"] == "session.revoke" and e["target"] == family for e in audit)
    assert_error(admin.client.delete(f"{SESSIONS}/no-such-session", headers=admin.headers), 404)


# --- IP rules ----------------------------------------------------------------------------------


def test_rules_are_normalized_listed_and_removed_one_by_one(admin: Account) -> None:
    answer = put_rules(admin, ("203.0.113.7/24", "block"), ("2001:db8:dead::/48", "block"))
    assert answer.status_code == 200, answer.text
    assert [rule["cidr"] for rule in answer.json()["rules"]] == [
        "203.0.113.0/24",
        "2001:db8:dead::/48",
    ]
    assert answer.json()["block"] == 2
    assert answer.json()["fresh_seconds"] == guard.FRESH_SECONDS

    added = admin.client.post(
        RULES, headers=admin.headers, json={"cidr": "192.0.2.9", "action": "block"}
    )
    assert added.status_code == 201, added.text
    assert added.json()["cidr"] == "192.0.2.9/32"
    again = admin.client.post(
        RULES, headers=admin.headers, json={"cidr": "192.0.2.9/32", "action": "allow"}
    )
    assert_error(again, 409)

    gone = admin.client.delete(f"{RULES}/{added.json()['id']}", headers=admin.headers)
    assert gone.status_code == 204
    left = admin.client.get(RULES, headers=admin.headers).json()
    assert [rule["cidr"] for rule in left["rules"]] == ["203.0.113.0/24", "2001:db8:dead::/48"]
    # A replace keeps the ids of the rules it keeps.
    kept = put_rules(admin, ("203.0.113.0/24", "block")).json()["rules"]
    assert kept[0]["id"] == left["rules"][0]["id"]
    audit = admin.client.get(f"{API}/admin/audit", headers=admin.headers).json()["items"]
    assert {"security.ip_rules.replace", "security.ip_rules.add", "security.ip_rules.delete"} <= {
        entry["action"] for entry in audit
    }


@pytest.mark.parametrize(
    "rules",
    [
        [("not-a-network", "block")],
        [("10.0.0.0/33", "block")],
        [("10.0.0.0/8", "block"), ("10.1.2.3/8", "allow")],  # the same network twice
    ],
)
def test_bad_rules_are_422(admin: Account, rules: list[tuple[str, str]]) -> None:
    assert_error(put_rules(admin, *rules), 422)
    assert admin.client.get(RULES, headers=admin.headers).json()["rules"] == []


def test_rules_that_would_refuse_the_admins_own_address_are_refused(
    admin: Account, client_at: Callable[..., TestClient]
) -> None:
    me = as_client(admin, client_at("198.51.100.50"))

    lockout = put_rules(me, ("203.0.113.0/24", "allow"))
    assert_error(lockout, 422)
    assert "198.51.100.50" in lockout.json()["detail"]
    assert_error(put_rules(me, ("198.51.100.50", "block")), 422)
    listed = put_rules(me, ("198.51.100.0/24", "allow"), ("203.0.113.0/24", "allow"))
    assert listed.status_code == 200, listed.text
    # Removing the allow rule that lets it in is refused the same way.
    mine, other = (rule["id"] for rule in listed.json()["rules"])
    assert_error(me.client.delete(f"{RULES}/{mine}", headers=me.headers), 422)
    # The other allow rule may go; then the last one too (no allow-list is left).
    assert me.client.delete(f"{RULES}/{other}", headers=me.headers).status_code == 204
    assert me.client.delete(f"{RULES}/{mine}", headers=me.headers).status_code == 204
    assert me.client.get(RULES, headers=me.headers).json()["rules"] == []


@pytest.mark.parametrize("address", ["203.0.113.66", "2001:db8:bad::66"])
def test_a_blocked_address_is_403_on_every_group_before_any_work(
    admin: Account, client_at: Callable[..., TestClient], address: str
) -> None:
    assert (
        put_rules(admin, ("203.0.113.0/24", "block"), ("2001:db8:bad::/48", "block")).status_code
        == 200
    )
    blocked = as_client(admin, client_at(address))

    for method, path in (
        ("GET", "/auth/me"),
        ("GET", "/agents"),
        ("GET", "/jobs"),
        ("GET", "/tasks"),
        ("GET", "/projects"),
        ("GET", "/costs/summary"),
        ("GET", "/security/ip-rules"),
    ):
        assert_refused(blocked.client.request(method, f"{API}{path}", headers=blocked.headers))
    # Before any work: a create is neither validated nor made.
    assert_refused(blocked.client.post(f"{API}/projects", headers=blocked.headers, json={}))
    assert_refused(
        blocked.client.post(f"{API}/projects", headers=blocked.headers, json={"name": "Nope"})
    )
    projects = admin.client.get(f"{API}/projects", headers=admin.headers).json()["items"]
    assert "Nope" not in {project["name"] for project in projects}
    # Signing in from there is refused once the password is right (a wrong one is 401).
    wrong = blocked.client.post(
        f"{API}/auth/login", json={"email": admin.email, "password": "wrong password here"}
    )
    assert wrong.status_code == 401
    right = blocked.client.post(
        f"{API}/auth/login", json={"email": admin.email, "password": admin.password}
    )
    assert_refused(right)
    assert_refused(
        blocked.client.post(
            f"{API}/auth/refresh", json={"refresh_token": admin.tokens["refresh_token"]}
        )
    )
    # The admin's own address is unaffected.
    assert admin.client.get(f"{API}/auth/me", headers=admin.headers).status_code == 200
    # So is the refresh token the refused request presented.
    assert (
        admin.client.post(
            f"{API}/auth/refresh", json={"refresh_token": admin.tokens["refresh_token"]}
        ).status_code
        == 200
    )


def test_an_allow_list_admits_its_networks_alone(
    admin: Account, client_at: Callable[..., TestClient], token_for: Callable[..., dict[str, str]]
) -> None:
    me = as_client(admin, client_at("198.51.100.7"))
    listed = put_rules(
        me,
        ("198.51.100.0/24", "allow"),
        ("2001:db8:aaaa::/48", "allow"),
        ("198.51.100.128/25", "block"),  # more specific: refused inside the allowed /24
    )
    assert listed.status_code == 200, listed.text

    def status(address: str) -> int:
        caller = as_client(admin, client_at(address))
        return caller.client.get(f"{API}/agents", headers=caller.headers).status_code

    assert status("198.51.100.7") == 200
    assert status("2001:db8:aaaa::5") == 200
    assert status("198.51.100.200") == 403
    assert status("203.0.113.1") == 403
    assert status("2001:db8:bbbb::5") == 403
    # Another team is not governed by these rules.
    other = token_for("another-team-of-its-own")
    outside = client_at("203.0.113.1")
    assert outside.get(f"{API}/agents", headers=other).status_code == 200


def test_api_keys_and_agent_tokens_of_the_team_are_refused_as_well(
    admin: Account, client_at: Callable[..., TestClient]
) -> None:
    key = admin.client.post(
        f"{API}/security/api-keys", headers=admin.headers, json={"name": "ci"}
    ).json()["key"]
    agent = admin.client.post(
        f"{API}/security/agent-tokens", headers=admin.headers, json={"name": "bot"}
    ).json()["key"]
    assert put_rules(admin, ("2001:db8:bad::/48", "block")).status_code == 200
    outside = client_at("2001:db8:bad::99")

    assert_refused(outside.get(f"{API}/agents", headers={"Authorization": f"Bearer {key}"}))
    assert_refused(outside.get(f"{API}/auth/me", headers={"X-Agent-Token": agent}))


def test_the_public_groups_refuse_a_blocked_address_once_they_know_the_team(
    admin: Account, client_at: Callable[..., TestClient]
) -> None:
    from tests.api.test_deployments_api import deployed

    _, deployment = deployed(admin, public=True)
    source = admin.client.post(
        f"{API}/webhooks/sources", headers=admin.headers, json={"name": "gh", "scheme": "github"}
    ).json()
    assert put_rules(admin, ("203.0.113.0/24", "block")).status_code == 200
    blocked = client_at("203.0.113.5")
    allowed = client_at("198.51.100.5")
    url = f"{API}/rest/{deployment['friendly_name']}"

    assert_refused(blocked.post(url, json={"text": "a b c"}))
    assert_refused(blocked.get(f"{url}/openapi.json"))
    assert allowed.post(url, json={"text": "a b c"}).json() == {"count": 3}

    body = json.dumps({"zen": "hi"}).encode()
    unsigned = {"content-type": "application/json", "X-GitHub-Event": "ping"}
    # Unsigned: from the blocked address refused 403 before the signature is looked at.
    assert_refused(blocked.post(f"{API}/hooks/{source['id']}", content=body, headers=unsigned))
    assert (
        allowed.post(f"{API}/hooks/{source['id']}", content=body, headers=unsigned).status_code
        == 401
    )
    digest = hmac.new(source["secret"].encode(), body, hashlib.sha256).hexdigest()
    signed = {**unsigned, "X-Hub-Signature-256": f"sha256={digest}", "X-GitHub-Delivery": "d-1"}
    assert_refused(blocked.post(f"{API}/hooks/{source['id']}", content=body, headers=signed))
    assert (
        allowed.post(f"{API}/hooks/{source['id']}", content=body, headers=signed).status_code == 202
    )


def test_another_containers_copy_follows_within_the_freshness_window(
    admin: Account, client_at: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(guard, "clock", lambda: now[0])
    guard.forget()  # copies made on the real clock (the admin's sign-in) go
    caller = as_client(admin, client_at("192.0.2.77"))
    assert caller.client.get(f"{API}/agents", headers=caller.headers).status_code == 200

    # Another container's admin blocks the address: this one's copy is still fresh.
    current = store.get_rules(admin.team_id, consistent=True)
    rule = IpRule("r1", "192.0.2.0/24", "block", "", utcnow())
    store.save_rules(admin.team_id, [rule], version=current.version, by="x", at=utcnow())
    now[0] += guard.FRESH_SECONDS - 1
    assert caller.client.get(f"{API}/agents", headers=caller.headers).status_code == 200

    now[0] += 2
    assert_refused(caller.client.get(f"{API}/agents", headers=caller.headers))
