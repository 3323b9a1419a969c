"""Service tokens from the admin key, and what a token must be to be accepted."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from shared.auth.signing import signing_key
from shared.settings import get_settings
from tests.factories import ADMIN_KEY


def claims(**changes: Any) -> dict[str, Any]:
    settings = get_settings()
    now = int(time.time())
    return {
        "sub": "u1",
        "team_id": "t1",
        "role": "admin",
        "typ": "access",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        **changes,
    }


def me(gateway: TestClient, token: str) -> Any:
    return gateway.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


def signed(payload: dict[str, Any], key: Any = None, kid: str | None = None) -> str:
    current = signing_key()
    return jwt.encode(
        payload, key or current.private_key, algorithm="ES256", headers={"kid": kid or current.kid}
    )


def test_the_admin_key_gets_a_token_that_names_its_team(gateway: TestClient) -> None:
    answer = gateway.post(
        "/api/v1/auth/token",
        headers={"X-Admin-Key": ADMIN_KEY},
        json={"team_id": "acme", "role": "member"},
    )

    assert answer.status_code == 200
    body = answer.json()
    assert body["team_id"] == "acme"
    assert body["role"] == "member"
    assert body["expires_in"] == get_settings().service_token_hours * 3600
    assert me(gateway, body["token"]).json() == {
        "id": "service:acme",
        "team_id": "acme",
        "role": "member",
        "auth": "jwt",
        "email": None,
    }


@pytest.mark.parametrize("headers", [{}, {"X-Admin-Key": "wrong"}, {"X-Admin-Key": ADMIN_KEY[:-1]}])
def test_a_missing_or_wrong_admin_key_is_401(gateway: TestClient, headers: dict[str, str]) -> None:
    answer = gateway.post("/api/v1/auth/token", headers=headers, json={"team_id": "acme"})

    assert answer.status_code == 401
    assert set(answer.json()) == {"detail", "request_id"}


def test_no_admin_key_configured_is_503(
    gateway: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ADMIN_API_KEY")
    get_settings.cache_clear()
    try:
        answer = gateway.post("/api/v1/auth/token", headers={"X-Admin-Key": ADMIN_KEY})
    finally:
        monkeypatch.setenv("ADMIN_API_KEY", ADMIN_KEY)
        get_settings.cache_clear()

    assert answer.status_code == 503


def test_request_models_refuse_unknown_fields(gateway: TestClient) -> None:
    answer = gateway.post(
        "/api/v1/auth/token",
        headers={"X-Admin-Key": ADMIN_KEY},
        json={"team_id": "acme", "is_superuser": True},
    )

    assert answer.status_code == 422


def test_jwks_publishes_the_public_key_by_kid(gateway: TestClient) -> None:
    for path in ("/.well-known/jwks.json", "/api/v1/.well-known/jwks.json"):
        keys = gateway.get(path).json()["keys"]
        assert [key["kid"] for key in keys] == [signing_key().kid]
        assert keys[0]["alg"] == "ES256"
        assert "d" not in keys[0], "never the private part"


def test_a_valid_token_is_accepted(gateway: TestClient) -> None:
    assert me(gateway, signed(claims())).status_code == 200


@pytest.mark.parametrize(
    "token_factory",
    [
        pytest.param(lambda: signed(claims(exp=int(time.time()) - 60)), id="expired"),
        pytest.param(lambda: signed(claims(nbf=int(time.time()) + 600)), id="not-yet-valid"),
        pytest.param(lambda: signed(claims(aud="someone-else")), id="wrong-audience"),
        pytest.param(lambda: signed(claims(iss="someone-else")), id="wrong-issuer"),
        pytest.param(lambda: signed(claims(typ="refresh")), id="refresh-as-access"),
        pytest.param(lambda: signed(claims(role="root")), id="unknown-role"),
        pytest.param(
            lambda: signed(claims(), key=ec.generate_private_key(ec.SECP256R1())),
            id="another-key-same-kid",
        ),
        pytest.param(lambda: signed(claims(), kid="other-kid"), id="unknown-kid"),
        pytest.param(lambda: jwt.encode(claims(), key=None, algorithm="none"), id="alg-none"),
        pytest.param(
            lambda: jwt.encode(
                claims(), "s" * 32, algorithm="HS256", headers={"kid": signing_key().kid}
            ),
            id="hmac",
        ),
        pytest.param(lambda: "not-a-token", id="garbage"),
    ],
)
def test_a_bad_token_is_401_without_saying_why(gateway: TestClient, token_factory: Any) -> None:
    answer = me(gateway, token_factory())

    assert answer.status_code == 401
    assert answer.json()["detail"] == "Invalid or expired token"
    assert answer.headers["www-authenticate"] == "Bearer"


def test_the_access_token_cookie_is_accepted(gateway: TestClient) -> None:
    gateway.cookies.set("access_token", signed(claims()))
    try:
        assert gateway.get("/api/v1/auth/me").status_code == 200
    finally:
        gateway.cookies.clear()


def test_who_am_i_answers_exactly_the_documented_shape(gateway: TestClient) -> None:
    from functions.auth.schemas import Me

    token = gateway.post(
        "/api/v1/auth/token", headers={"X-Admin-Key": ADMIN_KEY}, json={"team_id": "shape"}
    ).json()["token"]

    answer = me(gateway, token).json()

    assert set(answer) == set(Me.model_fields)
    assert Me.model_validate(answer).team_id == "shape"
