"""/secrets over HTTP, every group behind the local gateway over emulated AWS: CRUD with the
value in Secrets Manager and never in an answer, rotate, expiring within N days, and the
reveal (a signed-in admin, a fresh TOTP code when that admin has MFA, audited whatever the
outcome)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pyotp
import pytest

from shared.aws import client as aws_client
from shared.vault.values import secret_name
from tests.factories import Account, assert_error

API = "/api/v1"
BASE = f"{API}/secrets"
STEP = 30


class Seen:
    """Every answer an account got, to show a value never came back but from a reveal."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.texts: list[str] = []

    def call(self, method: str, path: str, **options: Any) -> httpx.Response:
        answer = self.account.client.request(method, path, headers=self.account.headers, **options)
        if not path.endswith("/reveal"):
            self.texts.append(answer.text)
        return answer

    def never_answered(self, value: str) -> None:
        assert self.texts
        assert all(value not in text for text in self.texts)


def create(seen: Seen, name: str, value: str, **fields: Any) -> dict[str, Any]:
    answer = seen.call("POST", BASE, json={"name": name, "value": value, **fields})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def audit(admin: Account, action: str) -> list[dict[str, Any]]:
    answer = admin.client.get(f"{API}/admin/audit?limit=100", headers=admin.headers)
    assert answer.status_code == 200, answer.text
    return [entry for entry in answer.json()["items"] if entry["action"] == action]


def test_a_secret_is_stored_listed_read_and_changed_without_its_value(new_account: Any) -> None:
    admin = Seen(new_account())
    value = "sk-live-0123456789abcdef"

    made = create(admin, "STRIPE_KEY", value, category="payments", description="live key")

    assert made["name"] == "STRIPE_KEY"
    assert (made["category"], made["description"]) == ("payments", "live key")
    assert made["value_preview"] == "****"
    assert (made["version"], made["rotated_at"]) == (1, None)
    assert made["created_by"] == admin.account.user_id
    one = admin.call("GET", f"{BASE}/{made['id']}")
    assert one.status_code == 200
    assert one.json()["name"] == "STRIPE_KEY"
    listed = admin.call("GET", BASE)
    assert [item["id"] for item in listed.json()["items"]] == [made["id"]]
    assert listed.json()["total"] == 1
    renamed = admin.call("PUT", f"{BASE}/{made['id']}", json={"name": "PAYMENTS_KEY"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "PAYMENTS_KEY"
    assert renamed.json()["version"] == 1  # no value given: not a rotation
    # The value is in Secrets Manager, under the vault's own path.
    stored = aws_client("secretsmanager").get_secret_value(
        SecretId=secret_name(admin.account.team_id, made["id"])
    )
    assert value in stored["SecretString"]
    admin.never_answered(value)


def test_a_name_is_unique_in_the_team_and_free_again_after_a_rename(new_account: Any) -> None:
    admin = Seen(new_account())
    first = create(admin, "TOKEN", "one")

    assert_error(admin.call("POST", BASE, json={"name": "TOKEN", "value": "two"}), 409)
    assert admin.call("PUT", f"{BASE}/{first['id']}", json={"name": "OLD_TOKEN"}).status_code == 200
    again = admin.call("POST", BASE, json={"name": "TOKEN", "value": "two"})
    assert again.status_code == 201, again.text
    clash = admin.call("PUT", f"{BASE}/{first['id']}", json={"name": "TOKEN"})
    assert_error(clash, 409)


def test_names_and_values_are_checked(new_account: Any) -> None:
    admin = Seen(new_account())

    for body in (
        {"name": "has space", "value": "v"},
        {"name": "1LEADING_DIGIT", "value": "v"},
        {"name": "OK", "value": ""},
        {"name": "OK", "value": "v", "expires_at": "2030-01-01"},
        {"name": "OK", "value": "v", "extra": 1},
    ):
        assert_error(admin.call("POST", BASE, json=body), 422)


def test_rotate_gives_a_new_version_and_use_by_name_takes_it(new_account: Any) -> None:
    from shared.vault.references import resolve_references

    admin = Seen(new_account())
    made = create(admin, "API_TOKEN", "first-value")
    team = admin.account.team_id
    assert resolve_references(team, "Bearer {{secrets.API_TOKEN}}") == "Bearer first-value"

    rotated = admin.call("POST", f"{BASE}/{made['id']}/rotate", json={"value": "second-value"})

    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["version"] == 2
    assert rotated.json()["rotated_at"] is not None
    assert resolve_references(team, "Bearer {{secrets.API_TOKEN}}") == "Bearer second-value"
    by_put = admin.call("PUT", f"{BASE}/{made['id']}", json={"value": "third-value"})
    assert by_put.json()["version"] == 3
    assert resolve_references(team, "{{ secrets.API_TOKEN }}") == "third-value"
    admin.never_answered("first-value")
    admin.never_answered("second-value")
    admin.never_answered("third-value")


def test_expiring_lists_those_due_within_the_days_soonest_first(new_account: Any) -> None:
    admin = Seen(new_account())
    now = datetime.now(UTC)

    def at(days: float) -> str:
        return (now + timedelta(days=days)).isoformat()

    soon = create(admin, "SOON", "a", expires_at=at(5))
    past = create(admin, "PAST", "b", expires_at=at(-1))
    create(admin, "LATER", "c", expires_at=at(40))
    create(admin, "NEVER", "d")

    within = admin.call("GET", f"{BASE}/expiring?days=30")
    assert within.status_code == 200, within.text
    assert [item["id"] for item in within.json()["items"]] == [past["id"], soon["id"]]
    assert [item["expired"] for item in within.json()["items"]] == [True, False]
    assert within.json()["total"] == 2
    default = admin.call("GET", f"{BASE}/expiring")
    assert [item["name"] for item in default.json()["items"]] == ["PAST", "SOON"]
    wider = admin.call("GET", f"{BASE}/expiring?days=60")
    assert [item["name"] for item in wider.json()["items"]] == ["PAST", "SOON", "LATER"]
    # A new expiry moves it; clearing one takes it off the list.
    admin.call("PUT", f"{BASE}/{soon['id']}", json={"expires_at": at(50)})
    admin.call("PUT", f"{BASE}/{past['id']}", json={"expires_at": None})
    assert admin.call("GET", f"{BASE}/expiring?days=30").json()["items"] == []
    assert_error(admin.call("GET", f"{BASE}/expiring?days=0"), 422)


def test_delete_removes_the_secret_and_frees_its_name(new_account: Any) -> None:
    from shared.errors import Unprocessable
    from shared.vault.references import resolve_references

    admin = Seen(new_account())
    made = create(admin, "GONE", "bye")

    assert admin.call("DELETE", f"{BASE}/{made['id']}").status_code == 204

    assert_error(admin.call("GET", f"{BASE}/{made['id']}"), 404)
    assert_error(admin.call("DELETE", f"{BASE}/{made['id']}"), 404)
    assert admin.call("GET", BASE).json()["total"] == 0
    with pytest.raises(Unprocessable, match="GONE"):
        resolve_references(admin.account.team_id, "{{secrets.GONE}}")
    described = aws_client("secretsmanager").describe_secret(
        SecretId=secret_name(admin.account.team_id, made["id"])
    )
    assert described.get("DeletedDate") is not None
    assert create(admin, "GONE", "again")["version"] == 1


def test_another_teams_secret_is_not_found(new_account: Any) -> None:
    owner, other = Seen(new_account()), Seen(new_account())
    made = create(owner, "MINE", "owner-value")

    for method, suffix, body in (
        ("GET", "", None),
        ("PUT", "", {"name": "THEIRS"}),
        ("POST", "/rotate", {"value": "x"}),
        ("POST", "/reveal", {}),
        ("DELETE", "", None),
    ):
        answer = other.call(method, f"{BASE}/{made['id']}{suffix}", json=body)
        assert_error(answer, 404)
    assert other.call("GET", BASE).json()["items"] == []


# Reveal


def reveal(account: Account, secret_id: str, **body: Any) -> httpx.Response:
    return account.client.post(f"{BASE}/{secret_id}/reveal", headers=account.headers, json=body)


def test_an_admin_without_mfa_reveals_the_value_and_it_is_audited(new_account: Any) -> None:
    admin = new_account()
    made = create(Seen(admin), "DB_PASSWORD", "hunter2-but-longer")

    answer = reveal(admin, made["id"])

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "id": made["id"],
        "name": "DB_PASSWORD",
        "version": 1,
        "value": "hunter2-but-longer",
    }
    assert answer.headers["cache-control"] == "no-store"
    [entry] = audit(admin, "secret.revealed")
    assert (entry["outcome"], entry["target"], entry["actor"]) == ("ok", made["id"], admin.user_id)
    after = admin.client.get(f"{BASE}/{made['id']}", headers=admin.headers).json()
    assert after["last_revealed_by"] == admin.user_id
    assert after["last_revealed_at"] is not None


def test_reveal_without_admin_is_403_and_audited(new_account: Any) -> None:
    admin = new_account()
    member = new_account(invited_by=admin, role="member")
    made = create(Seen(admin), "SHARED", "only-admins")

    answer = reveal(member, made["id"])

    assert_error(answer, 403)
    assert "only-admins" not in answer.text
    [entry] = audit(admin, "secret.revealed")
    assert (entry["outcome"], entry["actor"], entry["target"]) == (
        "denied",
        member.user_id,
        made["id"],
    )
    # The rest of the vault is closed to members too.
    for method, path in (("GET", BASE), ("GET", f"{BASE}/{made['id']}")):
        assert_error(member.client.request(method, path, headers=member.headers), 403)


def test_an_admin_api_key_cannot_reveal(new_account: Any) -> None:
    admin = new_account()
    made = create(Seen(admin), "KEYED", "not-for-keys")
    key = admin.client.post(
        f"{API}/security/api-keys",
        headers=admin.headers,
        json={"name": "automation", "scopes": ["read", "write", "admin"]},
    )
    assert key.status_code == 201, key.text
    headers = {"Authorization": f"Bearer {key.json()['key']}"}

    listed = admin.client.get(BASE, headers=headers)
    answer = admin.client.post(f"{BASE}/{made['id']}/reveal", headers=headers, json={})

    assert listed.status_code == 200  # the key administers the vault...
    assert_error(answer, 403)  # ...but a value is only for a signed-in admin
    assert "not-for-keys" not in answer.text
    assert [e["outcome"] for e in audit(admin, "secret.revealed")] == ["denied"]


class Clock:
    """The service's TOTP clock, pinned mid-step so device and service agree."""

    def __init__(self) -> None:
        self.now = time.time() // STEP * STEP + STEP / 2

    def time(self) -> float:
        return self.now


def test_an_admin_with_mfa_needs_a_fresh_code_each_time(
    new_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr("shared.identity.totp.time", clock)
    admin = new_account()
    enrolment = admin.client.post(f"{API}/auth/mfa/setup", headers=admin.headers)
    device = pyotp.parse_uri(enrolment.json()["otpauth_uri"])
    assert isinstance(device, pyotp.TOTP)
    proved = admin.client.post(
        f"{API}/auth/mfa/verify",
        headers=admin.headers,
        json={"code": device.at(clock.now - STEP)},
    )
    assert proved.status_code == 200, proved.text
    made = create(Seen(admin), "GUARDED", "behind-two-factors")
    accepted = {device.at(clock.now + drift * STEP) for drift in (-1, 0, 1)}
    wrong = next(code for n in range(4) if (code := f"{n:06d}") not in accepted)

    no_code = reveal(admin, made["id"])
    bad_code = reveal(admin, made["id"], totp_code=wrong)
    good = reveal(admin, made["id"], totp_code=device.at(clock.now))
    replayed = reveal(admin, made["id"], totp_code=device.at(clock.now))

    assert_error(no_code, 401)
    assert_error(bad_code, 401)
    assert good.status_code == 200, good.text
    assert good.json()["value"] == "behind-two-factors"
    assert_error(replayed, 401)  # a code is good once
    for refused in (no_code, bad_code, replayed):
        assert "behind-two-factors" not in refused.text
    outcomes = [(e["outcome"], e["detail"].get("reason")) for e in audit(admin, "secret.revealed")]
    assert outcomes == [  # newest first
        ("denied", "invalid totp code"),
        ("ok", None),
        ("denied", "invalid totp code"),
        ("denied", "no totp code"),
    ]


def test_an_admin_without_mfa_cannot_reveal_when_the_team_requires_it(new_account: Any) -> None:
    from dataclasses import replace

    from shared import audit as audit_log
    from shared.auth import team_security
    from shared.identity.store import security
    from shared.pagination import PageParams

    admin = new_account()
    made = create(Seen(admin), "STRICT", "mfa-teams-only")
    # Given the team requires MFA of admins (as another admin, with MFA, set it).
    current = security.get_security(admin.team_id)
    security.save_security(
        admin.team_id,
        replace(current.settings, mfa_required_for_admins=True),
        current.password_policy,
        version=current.version,
        by="another-admin",
        at=datetime.now(UTC),
    )
    team_security.forget(admin.team_id)

    answer = reveal(admin, made["id"])

    team_security.forget(admin.team_id)
    assert_error(answer, 403)
    assert "MFA" in answer.json()["detail"]
    assert "mfa-teams-only" not in answer.text
    entries, _, _ = audit_log.entries(admin.team_id, PageParams(limit=100))
    [entry] = [e for e in entries if e.action == "secret.revealed"]
    assert (entry.outcome, entry.detail.get("reason")) == ("denied", "team requires mfa")


def test_a_fixed_word_beside_an_id_is_its_routes_405_not_a_secret_called_so(
    new_account: Any,
) -> None:
    """Only a ULID is a secret's id in a path: `PUT /secrets/expiring` is the expiring
    list's 405 (Allow: GET), not an update of a secret called "expiring" refused 422."""
    admin = Seen(new_account())
    answer = admin.call("PUT", f"{BASE}/expiring", json={"description": "x"})
    assert answer.status_code == 405, answer.text
    assert answer.headers["allow"] == "GET"
