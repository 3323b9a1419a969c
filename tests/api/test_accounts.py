"""Accounts end to end: register, sign in, refresh, sign out, password, profile, limits."""

from __future__ import annotations

import time
import uuid
from http.cookies import Morsel, SimpleCookie
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from functions.auth import sessions
from shared.auth.principal import Principal
from shared.auth.tokens import issue_token
from shared.db.base import team_partition
from shared.identity.models import SessionItem, session_key
from shared.pipeline.definition import PHASE_NAMES
from shared.settings import get_settings
from tests.factories import STRONG_PASSWORD, Account, bearer

API = "/api/v1"
ME = f"{API}/auth/me"
INVALID_LOGIN = "Invalid email, password or code"
WRONG_PASSWORD = "not the password at all"
NEW_PASSWORD = "purple elephants juggle quietly"
ERROR_KEYS = {"detail", "request_id"}
USER_KEYS = {
    "id",
    "email",
    "full_name",
    "team_id",
    "role",
    "disabled",
    "mfa_enabled",
    "created_at",
    "last_login_at",
}


def unique_email(name: str = "user") -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}@example.com"


def register(
    client: TestClient, email: str, password: str = STRONG_PASSWORD, **extra: Any
) -> httpx.Response:
    body = {"email": email, "password": password, "full_name": "Grace", **extra}
    return client.post(f"{API}/auth/register", json=body)


def sign_in(client: TestClient, email: str, password: str = STRONG_PASSWORD) -> httpx.Response:
    return client.post(f"{API}/auth/login", json={"email": email, "password": password})


def refresh(client: TestClient, refresh_token: str) -> httpx.Response:
    return client.post(f"{API}/auth/refresh", json={"refresh_token": refresh_token})


def invite(admin: Account, email: str, role: str = "member") -> str:
    answer = admin.client.post(
        f"{API}/admin/users", headers=admin.headers, json={"email": email, "role": role}
    )
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["invitation_token"]
    return token


def change_password(account: Account, current: str, new: str) -> httpx.Response:
    return account.client.post(
        f"{API}/auth/change-password",
        headers=account.headers,
        json={"current_password": current, "new_password": new},
    )


def audit_log(admin: Account) -> list[dict[str, Any]]:
    answer = admin.client.get(f"{API}/admin/audit?limit=100", headers=admin.headers)
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["items"]
    return entries


def access_cookie(answer: httpx.Response) -> Morsel[str]:
    cookies: SimpleCookie = SimpleCookie()
    for header in answer.headers.get_list("set-cookie"):
        cookies.load(header)
    return cookies["access_token"]


def family_of(refresh_token: str) -> str:
    return refresh_token.split(".")[1]


@pytest.fixture
def steady_clock(monkeypatch: pytest.MonkeyPatch) -> float:
    """Rate limits count in fixed windows: pinned, a test's requests all fall in one."""
    now = time.time()
    monkeypatch.setattr("shared.ratelimit.time", SimpleNamespace(time=lambda: now))
    return now


def assert_rate_limited(answer: httpx.Response, window_seconds: int) -> None:
    assert answer.status_code == 429, answer.text
    assert set(answer.json()) == ERROR_KEYS
    assert 1 <= int(answer.headers["retry-after"]) <= window_seconds + 1


# Register


def test_registering_creates_the_admin_of_a_new_team(client_at: Any, new_account: Any) -> None:
    email = unique_email("Grace.Hopper")

    answer = register(client_at(), email.upper())

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) == USER_KEYS
    assert body["email"] == email.lower()
    assert body["role"] == "admin"
    assert body["mfa_enabled"] is False
    assert body["team_id"] != new_account().team_id
    assert "argon2" not in answer.text
    assert STRONG_PASSWORD not in answer.text


def test_a_new_team_starts_with_one_default_agent_per_phase(new_account: Any) -> None:
    admin = new_account()
    new_account(invited_by=admin)  # joining a team gives it no more agents

    listed = admin.client.get("/api/v1/agents", params={"limit": 100}, headers=admin.headers)

    assert listed.status_code == 200, listed.text
    roles = sorted(agent["role"] for agent in listed.json()["items"])
    assert roles == sorted(PHASE_NAMES)
    assert {agent["llm_provider"] for agent in listed.json()["items"]} == {"templates"}


@pytest.mark.parametrize("role", ["member", "admin"])
def test_an_invitation_joins_the_inviting_team_with_its_role(
    new_account: Any, client_at: Any, role: str
) -> None:
    admin = new_account()
    email = unique_email()

    answer = register(client_at(), email, invitation_token=invite(admin, email, role))

    assert answer.status_code == 201, answer.text
    assert answer.json()["team_id"] == admin.team_id
    assert answer.json()["role"] == role


def test_an_invitation_used_twice_is_401(new_account: Any, client_at: Any) -> None:
    admin = new_account()
    email = unique_email()
    token = invite(admin, email)
    assert register(client_at(), email, invitation_token=token).status_code == 201

    again = register(client_at(), email, invitation_token=token)

    assert again.status_code == 401
    assert again.json()["detail"] == "Invalid or used invitation"


def test_an_invitation_for_another_email_is_401(new_account: Any, client_at: Any) -> None:
    admin = new_account()
    token = invite(admin, unique_email("invited"))

    answer = register(client_at(), unique_email("someone-else"), invitation_token=token)

    assert answer.status_code == 401
    assert set(answer.json()) == ERROR_KEYS


def test_a_made_up_invitation_is_401(client_at: Any) -> None:
    answer = register(client_at(), unique_email(), invitation_token="sfi_team.not-a-real-one")

    assert answer.status_code == 401


def test_an_email_registers_once_whatever_its_case(client_at: Any) -> None:
    email = unique_email("ada")
    assert register(client_at(), email).status_code == 201

    answer = register(client_at(), email.replace("ada", "ADA").replace("example", "Example"))

    assert answer.status_code == 409
    assert set(answer.json()) == ERROR_KEYS


@pytest.mark.parametrize(
    ("password", "why"),
    [
        pytest.param("Sh0rt&sw33t", "at least 12 characters", id="too-short"),
        pytest.param("password1234", "too easy to guess", id="common"),
        pytest.param("aaaa1111aaaa", "too easy to guess", id="few-characters"),
        pytest.param("{local}-is-my-name", "must not contain the email", id="email-local-part"),
    ],
)
def test_a_weak_password_is_422(client_at: Any, password: str, why: str) -> None:
    email = unique_email("margaret")

    answer = register(client_at(), email, password.format(local=email.split("@")[0]))

    assert answer.status_code == 422
    assert set(answer.json()) == ERROR_KEYS
    assert why in str(answer.json()["detail"])  # the length is the schema's: a list of errors


@pytest.mark.parametrize(
    "extra",
    [{"team_id": "someone-elses-team"}, {"role": "admin"}, {"is_superuser": True}],
    ids=["team_id", "role", "is_superuser"],
)
def test_unknown_fields_are_422_and_create_nothing(client_at: Any, extra: dict[str, Any]) -> None:
    client = client_at()
    email = unique_email()

    refused = register(client, email, **extra)

    assert refused.status_code == 422
    assert set(refused.json()) == ERROR_KEYS
    afterwards = register(client, email)
    assert afterwards.status_code == 201, afterwards.text
    assert afterwards.json()["team_id"] != "someone-elses-team"


# Sign in


def test_signing_in_answers_a_token_pair_and_an_http_only_cookie(new_account: Any) -> None:
    account = new_account()

    answer = sign_in(account.client, account.email)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == get_settings().access_token_minutes * 60
    assert body["refresh_token"].startswith("sfr_")
    cookie = access_cookie(answer)
    assert cookie.value == body["access_token"]
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "strict"
    assert cookie["path"] == "/"
    assert int(cookie["max-age"]) == body["expires_in"]


def test_the_cookie_alone_authenticates(new_account: Any, client_at: Any) -> None:
    account = new_account()

    answer = account.client.get(ME)

    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == account.user_id
    assert answer.json()["email"] == account.email
    assert client_at().get(ME).status_code == 401


def test_wrong_password_and_unknown_email_answer_the_same(new_account: Any, client_at: Any) -> None:
    account = new_account()

    wrong_password = sign_in(client_at(), account.email, WRONG_PASSWORD)
    unknown_email = sign_in(client_at(), unique_email("nobody"), WRONG_PASSWORD)

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json()["detail"] == unknown_email.json()["detail"] == INVALID_LOGIN
    assert wrong_password.headers["www-authenticate"] == "Bearer"


def test_a_disabled_account_cannot_sign_in_or_refresh(new_account: Any, client_at: Any) -> None:
    admin = new_account()
    member = new_account(invited_by=admin)

    disabled = admin.client.put(
        f"{API}/admin/users/{member.user_id}", headers=admin.headers, json={"disabled": True}
    )

    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled"] is True
    signed_in = sign_in(client_at(), member.email)
    assert signed_in.status_code == 401
    assert signed_in.json()["detail"] == INVALID_LOGIN
    assert refresh(client_at(), member.tokens["refresh_token"]).status_code == 401


def test_the_eleventh_sign_in_for_one_email_in_five_minutes_is_429(
    steady_clock: float, new_account: Any, client_at: Any
) -> None:
    account = new_account()  # its sign-in is the first of ten
    for _ in range(9):
        assert sign_in(client_at(), account.email, WRONG_PASSWORD).status_code == 401

    answer = sign_in(client_at(), account.email)

    assert_rate_limited(answer, 300)
    assert sign_in(client_at(), account.email).status_code == 429
    assert sign_in(client_at(), unique_email(), WRONG_PASSWORD).status_code == 401


def test_the_thirty_first_sign_in_from_one_address_in_a_minute_is_429(
    steady_clock: float, client_at: Any
) -> None:
    client = client_at()
    email = unique_email()

    statuses = [sign_in(client, email, WRONG_PASSWORD).status_code for _ in range(30)]

    assert statuses == [401] * 10 + [429] * 20, "past ten, the email's own limit answers"
    fresh_email = unique_email()
    assert_rate_limited(sign_in(client, fresh_email, WRONG_PASSWORD), 60)
    assert sign_in(client_at(), fresh_email, WRONG_PASSWORD).status_code == 401


def test_the_eleventh_registration_from_one_address_in_an_hour_is_429(
    steady_clock: float, client_at: Any
) -> None:
    client = client_at()
    for _ in range(10):
        assert register(client, unique_email(), "password1234").status_code == 422

    answer = register(client, unique_email())

    assert_rate_limited(answer, 3600)
    assert register(client_at(), unique_email()).status_code == 201


# Refresh


def test_refreshing_rotates_the_refresh_token(new_account: Any, client_at: Any) -> None:
    account = new_account()
    old = account.tokens["refresh_token"]

    answer = refresh(client_at(), old)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["refresh_token"] != old
    assert family_of(body["refresh_token"]) == family_of(old)
    assert body["token_type"] == "bearer"
    assert client_at().get(ME, headers=bearer(body["access_token"])).status_code == 200
    assert refresh(client_at(), old).status_code == 401


def test_a_reused_refresh_token_ends_its_whole_family(new_account: Any, client_at: Any) -> None:
    account = new_account()
    stolen = account.tokens["refresh_token"]
    newest = refresh(client_at(), stolen).json()["refresh_token"]

    reused = refresh(client_at(), stolen)

    assert reused.status_code == 401
    assert set(reused.json()) == ERROR_KEYS
    assert refresh(client_at(), newest).status_code == 401
    detected = [e for e in audit_log(account) if e["action"] == "session.reuse_detected"]
    assert len(detected) == 1
    assert detected[0]["actor"] == account.user_id
    assert detected[0]["target"] == family_of(stolen)
    assert detected[0]["outcome"] == "denied"


def test_another_sign_in_is_not_ended_by_a_reused_token(new_account: Any, client_at: Any) -> None:
    account = new_account()
    elsewhere = sign_in(client_at(), account.email).json()["refresh_token"]
    stolen = account.tokens["refresh_token"]
    refresh(client_at(), stolen)

    reused = refresh(client_at(), stolen)

    assert reused.status_code == 401
    assert refresh(client_at(), elsewhere).status_code == 200


def test_anything_but_a_live_refresh_token_is_401(new_account: Any, client_at: Any) -> None:
    account = new_account()
    live = account.tokens["refresh_token"]
    forged = {
        "garbage": "garbage",
        "guessed secret": live[:-43] + "A" * 43,
        "another family": live.replace(family_of(live), "0" * 26),
        "another team": live.replace(account.team_id, "someone-elses-team"),
        "another kind": live.replace("sfr_", "sfk_", 1),
    }

    answers = {name: refresh(client_at(), token) for name, token in forged.items()}

    for name, answer in answers.items():
        assert answer.status_code == 401, name
        assert answer.json()["detail"] == "Invalid or expired refresh token", name
    assert refresh(client_at(), live).status_code == 200, "none of them ended the session"


def test_an_access_token_is_not_a_refresh_token(gateway: TestClient, token_for: Any) -> None:
    access_token = token_for("refreshers")["Authorization"].removeprefix("Bearer ")

    answer = gateway.post(f"{API}/auth/refresh", json={"refresh_token": access_token})

    # A JWT is longer than any opaque token: the schema may refuse it before it is looked up.
    assert answer.status_code in (401, 422)
    assert set(answer.json()) == ERROR_KEYS


def test_a_refresh_token_is_not_an_access_token(new_account: Any, client_at: Any) -> None:
    account = new_account()

    answer = client_at().get(ME, headers=bearer(account.tokens["refresh_token"]))

    assert answer.status_code == 401
    assert answer.json()["detail"] == "Invalid or expired token"


def test_a_session_in_steady_use_stays_small_and_ends_on_time(new_account: Any) -> None:
    account = new_account()
    token = account.tokens["refresh_token"]
    key = (team_partition(account.team_id), session_key(family_of(token)))
    signed_in = SessionItem.get(*key)
    for _ in range(sessions.REMEMBERED_TOKENS + 6):
        outcome = sessions.rotate(token)
        assert isinstance(outcome, sessions.Rotated)
        token = outcome.refresh_token

    used = SessionItem.get(*key)

    # Only the latest rotated-away hashes are kept, and refreshing never extends the
    # session past its sign-in's lifetime.
    assert len(used.used_hashes) == sessions.REMEMBERED_TOKENS
    assert used.expires_at == signed_in.expires_at
    assert refresh(account.client, token).status_code == 200


def test_the_sixty_first_refresh_from_one_address_in_a_minute_is_429(
    steady_clock: float, new_account: Any, client_at: Any
) -> None:
    account = new_account()
    client = client_at()
    for _ in range(60):
        assert refresh(client, "garbage").status_code == 401

    answer = refresh(client, account.tokens["refresh_token"])

    assert_rate_limited(answer, 60)
    assert refresh(client_at(), account.tokens["refresh_token"]).status_code == 200


# Sign out


def test_signing_out_ends_the_session_and_clears_the_cookie(
    new_account: Any, client_at: Any
) -> None:
    account = new_account()

    answer = account.client.post(f"{API}/auth/logout", headers=account.headers)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "logged_out"}
    cleared = access_cookie(answer)
    assert cleared.value == ""
    assert cleared["max-age"] == "0"
    assert cleared["httponly"] is True
    assert "access_token" not in account.client.cookies
    assert account.client.get(ME).status_code == 401
    assert refresh(client_at(), account.tokens["refresh_token"]).status_code == 401


def test_signing_out_with_a_refresh_token_ends_that_session_too(
    new_account: Any, client_at: Any
) -> None:
    account = new_account()
    other = sign_in(client_at(), account.email).json()["refresh_token"]

    answer = account.client.post(
        f"{API}/auth/logout", headers=account.headers, json={"refresh_token": other}
    )

    assert answer.status_code == 200, answer.text
    assert refresh(client_at(), other).status_code == 401
    assert refresh(client_at(), account.tokens["refresh_token"]).status_code == 401


def test_signing_out_cannot_end_someone_elses_session_by_its_id(
    new_account: Any, client_at: Any
) -> None:
    admin = new_account()
    mallory = new_account(invited_by=admin)
    victim = new_account(invited_by=admin)
    forged = f"sfr_{admin.team_id}.{family_of(victim.tokens['refresh_token'])}.{'A' * 43}"

    answer = mallory.client.post(
        f"{API}/auth/logout", headers=mallory.headers, json={"refresh_token": forged}
    )

    assert answer.status_code == 200, answer.text
    assert refresh(client_at(), victim.tokens["refresh_token"]).status_code == 200


# Password


def test_changing_the_password_needs_the_current_one(new_account: Any) -> None:
    account = new_account()

    answer = change_password(account, WRONG_PASSWORD, NEW_PASSWORD)

    assert answer.status_code == 401
    assert set(answer.json()) == ERROR_KEYS


def test_a_weak_new_password_is_422(new_account: Any) -> None:
    account = new_account()

    answer = change_password(account, account.password, "password1234")

    assert answer.status_code == 422
    assert set(answer.json()) == ERROR_KEYS


def test_changing_the_password_ends_the_other_sessions_only(
    new_account: Any, client_at: Any
) -> None:
    account = new_account()
    other = sign_in(client_at(), account.email).json()["refresh_token"]

    answer = change_password(account, account.password, NEW_PASSWORD)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "password_changed", "sessions_revoked": 1}
    assert refresh(client_at(), other).status_code == 401
    assert refresh(client_at(), account.tokens["refresh_token"]).status_code == 200


def test_after_a_change_the_new_password_signs_in_and_the_old_does_not(
    new_account: Any, client_at: Any
) -> None:
    account = new_account()
    assert change_password(account, account.password, NEW_PASSWORD).status_code == 200

    assert sign_in(client_at(), account.email, NEW_PASSWORD).status_code == 200
    assert sign_in(client_at(), account.email, account.password).status_code == 401


# Profile


def test_a_person_updates_their_full_name(new_account: Any) -> None:
    account = new_account()

    answer = account.client.put(ME, headers=account.headers, json={"full_name": "  Ada Byron "})

    assert answer.status_code == 200, answer.text
    assert answer.json()["full_name"] == "Ada Byron"
    assert answer.json()["id"] == account.user_id
    stored = account.client.get(f"{API}/admin/users/{account.user_id}", headers=account.headers)
    assert stored.json()["full_name"] == "Ada Byron"


def test_a_profile_update_changes_only_the_name(new_account: Any) -> None:
    account = new_account()
    refused = [{"full_name": "   "}, {"full_name": "Ada", "role": "member"}, {"email": "x@y.org"}]

    answers = [account.client.put(ME, headers=account.headers, json=body) for body in refused]

    assert [answer.status_code for answer in answers] == [422] * len(refused)
    assert all(set(answer.json()) == ERROR_KEYS for answer in answers)
    stored = account.client.get(f"{API}/admin/users/{account.user_id}", headers=account.headers)
    assert stored.json()["full_name"] == "Ada"
    assert stored.json()["role"] == "admin"
    assert stored.json()["email"] == account.email


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/auth/me", {"full_name": "Robot"}),
        ("POST", "/auth/change-password", {"current_password": "x", "new_password": "y" * 16}),
        ("POST", "/auth/mfa/setup", None),
    ],
)
def test_a_service_token_has_no_profile(
    gateway: TestClient, token_for: Any, method: str, path: str, body: Any
) -> None:
    answer = gateway.request(method, f"{API}{path}", headers=token_for("profiles"), json=body)

    assert answer.status_code == 403
    assert set(answer.json()) == ERROR_KEYS


# Access tokens


@pytest.mark.parametrize("via", ["header", "cookie"])
def test_an_expired_access_token_is_401(client_at: Any, via: str) -> None:
    principal = Principal(subject="u-expired", team_id="t-expired", role="member")
    expired = issue_token(principal, ttl_seconds=-60)
    client = client_at()

    if via == "header":
        answer = client.get(ME, headers=bearer(expired))
    else:
        client.cookies.set("access_token", expired)
        answer = client.get(ME)

    assert answer.status_code == 401
    assert answer.json()["detail"] == "Invalid or expired token"
    assert answer.headers["www-authenticate"] == "Bearer"
