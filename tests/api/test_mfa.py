"""TOTP MFA end to end: enrol, prove, sign in with a code once, turn off, keep secrets in."""

from __future__ import annotations

import base64
import time
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient

from tests.factories import Account

API = "/api/v1"
STEP = 30
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ERROR_KEYS = {"detail", "request_id"}
INVALID_LOGIN = "Invalid email, password or code"


class Clock:
    """The service's TOTP clock, pinned mid-step so client and server agree on the step."""

    def __init__(self) -> None:
        self.now = time.time() // STEP * STEP + STEP / 2

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    pinned = Clock()
    monkeypatch.setattr("shared.identity.totp.time", pinned)
    return pinned


def setup(account: Account) -> httpx.Response:
    return account.client.post(f"{API}/auth/mfa/setup", headers=account.headers)


def verify(account: Account, code: str) -> httpx.Response:
    return account.client.post(
        f"{API}/auth/mfa/verify", headers=account.headers, json={"code": code}
    )


def disable(account: Account, code: str, password: str) -> httpx.Response:
    return account.client.post(
        f"{API}/auth/mfa/disable",
        headers=account.headers,
        json={"code": code, "password": password},
    )


def device_of(enrolment: httpx.Response) -> pyotp.TOTP:
    assert enrolment.status_code == 200, enrolment.text
    device = pyotp.parse_uri(enrolment.json()["otpauth_uri"])
    assert isinstance(device, pyotp.TOTP)
    return device


def enrol(account: Account, clock: Clock) -> pyotp.TOTP:
    """MFA on, proved with the code of the step before now: now and the next step stay
    unused, for sign-ins."""
    device = device_of(setup(account))
    answer = verify(account, device.at(clock.now - STEP))
    assert answer.status_code == 200, answer.text
    return device


def sign_in(client: TestClient, account: Account, code: str | None = None) -> httpx.Response:
    body = {"email": account.email, "password": account.password}
    if code is not None:
        body["totp_code"] = code
    return client.post(f"{API}/auth/login", json=body)


def wrong_code(device: pyotp.TOTP, clock: Clock) -> str:
    """A code of none of the steps the service accepts now."""
    accepted = {device.at(clock.now + drift * STEP) for drift in (-1, 0, 1)}
    return next(code for n in range(4) if (code := f"{n:06d}") not in accepted)


def mfa_enabled(account: Account) -> bool:
    answer = account.client.get(f"{API}/admin/users/{account.user_id}", headers=account.headers)
    assert answer.status_code == 200, answer.text
    enabled: bool = answer.json()["mfa_enabled"]
    return enabled


def audit_actions(admin: Account) -> list[tuple[str, str]]:
    answer = admin.client.get(f"{API}/admin/audit?limit=100", headers=admin.headers)
    assert answer.status_code == 200, answer.text
    return [(entry["action"], entry["outcome"]) for entry in answer.json()["items"]]


# Setup


def test_setup_answers_an_otpauth_uri_and_a_png_qr_code(new_account: Any) -> None:
    account = new_account()

    answer = setup(account)

    assert answer.status_code == 200, answer.text
    uri = urlparse(answer.json()["otpauth_uri"])
    query = parse_qs(uri.query)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == f"/Software Factory:{account.email}"
    assert query["issuer"] == ["Software Factory"]
    assert len(base64.b32decode(query["secret"][0])) == 20
    png = base64.b64decode(answer.json()["qr_png_base64"], validate=True)
    assert png.startswith(PNG_MAGIC)


def test_setup_alone_does_not_turn_mfa_on(new_account: Any, client_at: Any) -> None:
    account = new_account()

    assert setup(account).status_code == 200

    assert not mfa_enabled(account)
    assert sign_in(client_at(), account).status_code == 200


def test_verify_without_setup_is_409(new_account: Any) -> None:
    account = new_account()

    answer = verify(account, "123456")

    assert answer.status_code == 409
    assert set(answer.json()) == ERROR_KEYS


def test_a_wrong_first_code_is_401_and_leaves_mfa_off(new_account: Any, clock: Clock) -> None:
    account = new_account()
    device = device_of(setup(account))

    answer = verify(account, wrong_code(device, clock))

    assert answer.status_code == 401
    assert answer.json()["detail"] == "Invalid code"
    assert not mfa_enabled(account)


def test_the_right_first_code_turns_mfa_on(new_account: Any, clock: Clock) -> None:
    account = new_account()
    device = device_of(setup(account))

    answer = verify(account, device.at(clock.now))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "mfa_enabled"}
    assert mfa_enabled(account)


def test_setup_while_mfa_is_on_is_409(new_account: Any, clock: Clock) -> None:
    account = new_account()
    enrol(account, clock)

    answer = setup(account)

    assert answer.status_code == 409
    assert set(answer.json()) == ERROR_KEYS


@pytest.mark.parametrize(
    "code",
    ["12345", "1234567", "12345a", "", "\uff11\uff12\uff13\uff14\uff15\uff16"],
    ids=["5", "7", "letter", "empty", "wide"],
)
def test_a_code_that_is_not_six_digits_is_422(
    gateway: TestClient, token_for: Any, code: str
) -> None:
    answer = gateway.post(f"{API}/auth/mfa/verify", headers=token_for("codes"), json={"code": code})

    assert answer.status_code == 422
    assert set(answer.json()) == ERROR_KEYS


# Signing in


def test_with_mfa_on_signing_in_needs_the_code(
    new_account: Any, client_at: Any, clock: Clock
) -> None:
    account = new_account()
    device = enrol(account, clock)

    without = sign_in(client_at(), account)
    wrong = sign_in(client_at(), account, wrong_code(device, clock))
    right = sign_in(client_at(), account, device.at(clock.now))

    assert without.status_code == 401
    assert without.json()["detail"] == "MFA code required"
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == INVALID_LOGIN
    assert right.status_code == 200, right.text
    assert set(right.json()) >= {"access_token", "refresh_token"}


def test_a_wrong_password_with_a_good_code_is_the_usual_401(
    new_account: Any, client_at: Any, clock: Clock
) -> None:
    account = new_account()
    device = enrol(account, clock)

    answer = client_at().post(
        f"{API}/auth/login",
        json={
            "email": account.email,
            "password": "not the password",
            "totp_code": device.at(clock.now),
        },
    )

    assert answer.status_code == 401
    assert answer.json()["detail"] == INVALID_LOGIN


def test_a_code_is_accepted_once(new_account: Any, client_at: Any, clock: Clock) -> None:
    account = new_account()
    device = enrol(account, clock)
    code = device.at(clock.now)
    assert sign_in(client_at(), account, code).status_code == 200

    replayed = sign_in(client_at(), account, code)

    assert replayed.status_code == 401
    assert replayed.json()["detail"] == INVALID_LOGIN
    assert sign_in(client_at(), account, device.at(clock.now + STEP)).status_code == 200


def test_the_code_that_turned_mfa_on_does_not_sign_in(
    new_account: Any, client_at: Any, clock: Clock
) -> None:
    account = new_account()
    device = device_of(setup(account))
    code = device.at(clock.now)
    assert verify(account, code).status_code == 200

    assert sign_in(client_at(), account, code).status_code == 401


def test_a_code_older_than_the_last_accepted_is_refused(
    new_account: Any, client_at: Any, clock: Clock
) -> None:
    account = new_account()
    device = enrol(account, clock)
    assert sign_in(client_at(), account, device.at(clock.now + STEP)).status_code == 200

    assert sign_in(client_at(), account, device.at(clock.now)).status_code == 401


def test_a_code_one_step_old_is_accepted_if_not_used_before(
    new_account: Any, client_at: Any, clock: Clock
) -> None:
    account = new_account()
    device = enrol(account, clock)
    clock.advance(2 * STEP)

    answer = sign_in(client_at(), account, device.at(clock.now - STEP))

    assert answer.status_code == 200, answer.text


def test_mfa_attempts_are_limited_per_account(
    new_account: Any, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    monkeypatch.setattr("shared.ratelimit.time", SimpleNamespace(time=lambda: clock.now))
    account = new_account()
    device = device_of(setup(account))
    for _ in range(10):
        assert verify(account, wrong_code(device, clock)).status_code == 401

    answer = verify(account, device.at(clock.now))

    assert answer.status_code == 429
    assert set(answer.json()) == ERROR_KEYS
    assert 1 <= int(answer.headers["retry-after"]) <= 301
    assert not mfa_enabled(account)


# Turning it off


def test_disable_needs_a_good_code_and_the_password(
    new_account: Any, client_at: Any, clock: Clock
) -> None:
    account = new_account()
    device = enrol(account, clock)

    wrong_password = disable(account, device.at(clock.now), "not the password")
    wrong = disable(account, wrong_code(device, clock), account.password)

    assert wrong_password.status_code == wrong.status_code == 401
    assert set(wrong_password.json()) == ERROR_KEYS
    assert mfa_enabled(account)
    assert sign_in(client_at(), account).json()["detail"] == "MFA code required"


def test_disable_with_a_good_code_and_the_password_turns_mfa_off(
    new_account: Any, client_at: Any, clock: Clock
) -> None:
    account = new_account()
    device = enrol(account, clock)

    answer = disable(account, device.at(clock.now), account.password)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "mfa_disabled"}
    assert not mfa_enabled(account)
    assert sign_in(client_at(), account).status_code == 200
    assert disable(account, device.at(clock.now + STEP), account.password).status_code == 409


def test_turning_mfa_on_and_off_is_audited(new_account: Any, clock: Clock) -> None:
    account = new_account()
    device = enrol(account, clock)
    disable(account, device.at(clock.now), "not the password")
    assert disable(account, device.at(clock.now + STEP), account.password).status_code == 200

    actions = audit_actions(account)

    assert ("mfa.enable", "ok") in actions
    assert ("mfa.disable", "failed") in actions
    assert ("mfa.disable", "ok") in actions


# Secrets


def test_no_answer_shows_the_totp_secret_or_a_password_hash(
    new_account: Any, client_at: Any, clock: Clock
) -> None:
    admin = new_account()
    member = new_account(invited_by=admin)
    pending = device_of(setup(member)).secret
    answers = [
        member.client.get(f"{API}/auth/me", headers=member.headers),
        admin.client.get(f"{API}/admin/users", headers=admin.headers),
    ]
    device = pyotp.TOTP(pending)
    assert verify(member, device.at(clock.now - STEP)).status_code == 200
    answers += [
        member.client.get(f"{API}/auth/me", headers=member.headers),
        member.client.put(f"{API}/auth/me", headers=member.headers, json={"full_name": "Ada"}),
        sign_in(client_at(), member, device.at(clock.now)),
        admin.client.get(f"{API}/admin/users", headers=admin.headers),
        admin.client.get(f"{API}/admin/users/{member.user_id}", headers=admin.headers),
        admin.client.get(f"{API}/admin/audit?limit=100", headers=admin.headers),
    ]

    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert pending not in answer.text
        assert "argon2" not in answer.text
        assert "totp_secret" not in answer.text
        assert "password_hash" not in answer.text
