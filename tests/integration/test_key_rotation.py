"""Signing key rotation, as Secrets Manager runs it: the new key signs, tokens signed with
the old one stay valid until they expire, and the JWKS publishes both meanwhile."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jwt
import pytest

from functions.key_rotation import service
from shared.auth import signing, tokens
from shared.auth.principal import Principal
from shared.aws import client
from shared.errors import Unauthorized
from shared.settings import get_settings

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A signing key secret of its own, holding a key, that the signer reads."""
    settings = get_settings().model_copy(update={"resource_prefix": "factory-rotation"})
    name = settings.signing_key_secret
    client("secretsmanager").create_secret(Name=name, SecretString=signing.generate_key_material())
    monkeypatch.setattr("shared.auth.signing.get_settings", lambda: settings)
    signing.forget_signing_key()
    tokens.forget_verified_tokens()
    yield name
    client("secretsmanager").delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    signing.forget_signing_key()
    tokens.forget_verified_tokens()


def rotate(name: str) -> None:
    """What Secrets Manager does on schedule: invoke the rotation function's four steps."""
    client("secretsmanager").rotate_secret(
        SecretId=name,
        RotationLambdaARN=get_settings().function_arn("key_rotation"),
        RotationRules={"AutomaticallyAfterDays": 30},
        RotateImmediately=True,
    )


def fresh_verification(token: str) -> Principal:
    tokens.forget_verified_tokens()  # a container that has not seen this token yet
    return tokens.verify_token(token)


def test_after_rotation_old_and_new_tokens_verify_and_the_jwks_has_both(secret: str) -> None:
    before = tokens.issue_token(Principal("u1", "t1", "member"), ttl_seconds=600)
    old_kid = signing.signing_key().kid

    rotate(secret)
    signing.forget_signing_key()
    after = tokens.issue_token(Principal("u2", "t1", "member"), ttl_seconds=600)

    assert signing.signing_key().kid != old_kid
    assert jwt.get_unverified_header(after)["kid"] == signing.signing_key().kid
    assert [key["kid"] for key in signing.public_jwks()] == [signing.signing_key().kid, old_kid]
    assert all("d" not in key for key in signing.public_jwks())  # public halves only
    assert fresh_verification(before).subject == "u1"
    assert fresh_verification(after).subject == "u2"


def test_a_second_rotation_keeps_the_keys_whose_tokens_may_live(secret: str) -> None:
    first = signing.signing_key().kid
    rotate(secret)
    signing.forget_signing_key()
    second = signing.signing_key().kid
    rotate(secret)
    signing.forget_signing_key()

    kids = [key["kid"] for key in signing.public_jwks()]

    assert kids[1:] == [first, second]
    stages = client("secretsmanager").describe_secret(SecretId=secret)["VersionIdsToStages"]
    assert not any("AWSPENDING" in names for names in stages.values())


def test_a_retired_key_stops_verifying_once_its_tokens_have_expired(secret: str) -> None:
    token = tokens.issue_token(Principal("u1", "t1", "member"), ttl_seconds=600)
    current = client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"]
    # Retired long ago: its `until` is in the past.
    stale = signing.rotated_material(current, now=1_000_000_000, keep_seconds=60)
    client("secretsmanager").put_secret_value(SecretId=secret, SecretString=stale)
    signing.forget_signing_key()

    with pytest.raises(Unauthorized):
        fresh_verification(token)
    # And the next rotation drops it from the secret altogether.
    pruned = json.loads(signing.rotated_material(stale, now=2_000_000_000, keep_seconds=60))
    assert [entry["kid"] for entry in pruned["retired"]] == [json.loads(stale)["kid"]]


def test_a_container_with_a_cached_key_learns_a_new_kid_once(
    secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signing, "_last_unknown_kid_refresh", 0.0)
    signing.signing_key()  # cached before the rotation, as a warm container's would be
    rotate(secret)
    new = json.loads(client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"])
    key = signing.load_key_set(json.dumps(new)).current
    claims = {
        "sub": "u3", "team_id": "t1", "role": "member", "typ": "access",
        "iss": get_settings().jwt_issuer, "aud": get_settings().jwt_audience,
        "iat": 1, "nbf": 1, "exp": 4_000_000_000,
    }  # fmt: skip
    signed_elsewhere = jwt.encode(claims, key.private_key, "ES256", headers={"kid": key.kid})

    assert fresh_verification(signed_elsewhere).subject == "u3"
    # A made-up kid right after: refused without another read of the secret.
    reads: list[str] = []
    monkeypatch.setattr(signing, "_read_secret", lambda: reads.append("read") or "")
    forged = jwt.encode(claims, key.private_key, "ES256", headers={"kid": "01FORGEDKID"})
    with pytest.raises(Unauthorized):
        fresh_verification(forged)
    assert reads == []


def test_every_step_is_safe_to_repeat(secret: str) -> None:
    secrets = client("secretsmanager")
    secrets.rotate_secret(
        SecretId=secret,
        RotationLambdaARN=get_settings().function_arn("key_rotation"),
        RotationRules={"AutomaticallyAfterDays": 30},
        RotateImmediately=True,
    )
    stages = secrets.describe_secret(SecretId=secret)["VersionIdsToStages"]
    current = next(version for version, names in stages.items() if "AWSCURRENT" in names)

    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        service.rotate(secret, current, step)  # type: ignore[arg-type]

    assert secrets.describe_secret(SecretId=secret)["VersionIdsToStages"] == stages


def test_rotation_refuses_a_version_it_was_not_given(secret: str) -> None:
    rotate(secret)
    with pytest.raises(ValueError, match="not a version"):
        service.rotate(secret, "a2c8f1f2-0000-4000-8000-000000000000", "createSecret")
