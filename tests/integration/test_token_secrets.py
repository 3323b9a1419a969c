"""Token secrets as deployed: the signer creates the key on first use; the admin key
comes from its secret."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from functions.auth import service_tokens as auth_service
from shared.auth import signing
from shared.auth.principal import Principal
from shared.auth.tokens import issue_token, verify_token
from shared.aws import client
from shared.errors import ServiceUnavailable, Unauthorized
from shared.settings import Settings, get_settings

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture
def fresh_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Given a signing key secret as CDK creates it: the placeholder only."""
    name = "factory-fresh/jwt-signing-key"
    client("secretsmanager").create_secret(Name=name, SecretString=signing.PLACEHOLDER)
    settings = get_settings().model_copy(update={"resource_prefix": "factory-fresh"})
    monkeypatch.setattr("shared.auth.signing.get_settings", lambda: settings)
    signing.forget_signing_key()
    yield name
    client("secretsmanager").delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    signing.forget_signing_key()


def test_verifying_before_any_key_exists_is_401_not_an_error(fresh_secret: str) -> None:
    with pytest.raises(Unauthorized):
        verify_token("eyJhbGciOiJFUzI1NiJ9.e30.sig")


def test_the_first_signature_creates_the_key_once(fresh_secret: str) -> None:
    token = issue_token(Principal("u1", "t1", "admin"), ttl_seconds=60)
    first_kid = signing.signing_key().kid
    signing.forget_signing_key()

    # A second cold start racing to create a key gets the first one's instead.
    signing._create_first_key()
    signing.forget_signing_key()

    assert signing.signing_key().kid == first_kid
    assert verify_token(token).team_id == "t1"
    stored = client("secretsmanager").get_secret_value(SecretId=fresh_secret)["SecretString"]
    assert first_kid in stored


def test_the_admin_key_is_read_from_its_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    client("secretsmanager").create_secret(
        Name="factory-fresh/admin-api-key", SecretString="from-the-secret-0123456789"
    )
    settings = Settings(admin_api_key=None, admin_api_key_secret="factory-fresh/admin-api-key")
    monkeypatch.setattr(auth_service, "get_settings", lambda: settings)
    auth_service.forget_admin_key()

    token, _ = auth_service.service_token("from-the-secret-0123456789", "t9", "member", "192.0.2.1")

    assert verify_token(token).role == "member"
    with pytest.raises(Unauthorized):
        auth_service.service_token("wrong", "t9", "member", "192.0.2.1")


def test_the_admin_key_secret_is_read_once_per_cache_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an admin key read from its secret once
    name = "factory-cached/admin-api-key"
    client("secretsmanager").create_secret(Name=name, SecretString="first-key-0123456789")
    settings = Settings(admin_api_key=None, admin_api_key_secret=name)
    monkeypatch.setattr(auth_service, "get_settings", lambda: settings)
    auth_service.forget_admin_key()
    assert auth_service.configured_admin_key() == "first-key-0123456789"

    # When the secret changes
    client("secretsmanager").put_secret_value(SecretId=name, SecretString="second-key-0123456789")

    # Then this container keeps the key it read until its cache is dropped
    assert auth_service.configured_admin_key() == "first-key-0123456789"
    auth_service.forget_admin_key()
    assert auth_service.configured_admin_key() == "second-key-0123456789"
    client("secretsmanager").delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)


def test_an_unreadable_admin_key_secret_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(admin_api_key=None, admin_api_key_secret="factory-missing/admin-api-key")
    monkeypatch.setattr(auth_service, "get_settings", lambda: settings)
    auth_service.forget_admin_key()

    with pytest.raises(ServiceUnavailable):
        auth_service.service_token("anything", "t9", "member", "192.0.2.1")


def test_no_admin_key_anywhere_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(admin_api_key=None, admin_api_key_secret=None)
    monkeypatch.setattr(auth_service, "get_settings", lambda: settings)

    with pytest.raises(ServiceUnavailable):
        auth_service.service_token("anything", "t9", "member", "192.0.2.1")


def test_an_empty_admin_key_counts_as_none(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(admin_api_key=SecretStr(""))
    monkeypatch.setattr(auth_service, "get_settings", lambda: settings)

    with pytest.raises(ServiceUnavailable):
        auth_service.service_token("", "t9", "member", "192.0.2.1")
