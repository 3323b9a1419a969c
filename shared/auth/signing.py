"""The token signing keys: an EC P-256 key kept in Secrets Manager, cached in the function.

The secret holds ``{"kid", "private_key_pem", "retired": [{"kid", "public_jwk", "until"}]}``:
the current key, and the public halves of keys rotated away, each kept until every token
it signed has expired. /.well-known/jwks.json publishes all of them, and a token verifies
against the key its ``kid`` names, so a rotation rejects no valid token.

Fetched once per container (and again after ``KEY_CACHE_SECONDS``, or when a token names
a key this container has not seen, at most once per ``UNKNOWN_KID_REFRESH_SECONDS``),
never per request. Rotation is Secrets Manager's (functions/key_rotation).
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from shared.aws import client
from shared.ids import new_id
from shared.settings import get_settings

KEY_CACHE_SECONDS = 600
UNKNOWN_KID_REFRESH_SECONDS = 30
# CDK creates the secret with this value; the signer replaces it with a key on first use.
PLACEHOLDER = '{"uninitialized": true}'
# The same token from every cold start makes creating the first key idempotent: one
# version wins, every other writer is refused and reads the winner's key.
FIRST_KEY_REQUEST_TOKEN = "software-factory-first-signing-key-v1"  # noqa: S105 - an id, not a secret


class NoSigningKey(Exception):
    """The secret still holds the placeholder: no token has been signed yet."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private_key: Any  # cryptography EllipticCurvePrivateKey
    public_jwk: dict[str, Any]


@dataclass(frozen=True, slots=True)
class KeySet:
    current: SigningKey
    # kid -> (public key, its JWK, unix time after which nothing it signed is valid)
    retired: dict[str, tuple[Any, dict[str, Any], int]] = field(default_factory=dict)

    def public_key(self, kid: str, now: float) -> Any | None:
        if kid == self.current.kid:
            return self.current.private_key.public_key()
        found = self.retired.get(kid)
        return found[0] if found and now <= found[2] else None

    def jwks(self, now: float) -> list[dict[str, Any]]:
        live = [jwk for _, jwk, until in self.retired.values() if now <= until]
        return [self.current.public_jwk, *live]


_cached: tuple[float, KeySet] | None = None
_last_unknown_kid_refresh = 0.0


def generate_key_material(retired: list[dict[str, Any]] | None = None) -> str:
    """A new key as the secret's JSON text, with the `retired` public keys kept."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return json.dumps({"kid": new_id(), "private_key_pem": pem, "retired": retired or []})


def rotated_material(current_text: str, now: float, keep_seconds: int) -> str:
    """The secret's next value: a new key; the current one's public half retired until
    `keep_seconds` from `now` (the longest a token it signed can live); expired ones gone."""
    if "private_key_pem" not in current_text:
        return generate_key_material()
    material = json.loads(current_text)
    current = _signing_key(material)
    retired = [entry for entry in material.get("retired", []) if entry["until"] >= now]
    retired.append(
        {"kid": current.kid, "public_jwk": current.public_jwk, "until": int(now) + keep_seconds}
    )
    return generate_key_material(retired)


def _signing_key(material: dict[str, Any]) -> SigningKey:
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = serialization.load_pem_private_key(material["private_key_pem"].encode(), None)
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise ValueError("the signing key secret must hold an EC P-256 private key")
    public_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    public_jwk.update({"kid": material["kid"], "alg": "ES256", "use": "sig"})
    return SigningKey(material["kid"], private, public_jwk)


def load_key_set(secret_text: str) -> KeySet:
    import jwt

    material = json.loads(secret_text)
    retired = {
        entry["kid"]: (
            jwt.algorithms.ECAlgorithm.from_jwk(json.dumps(entry["public_jwk"])),
            entry["public_jwk"],
            int(entry["until"]),
        )
        for entry in material.get("retired", [])
    }
    return KeySet(_signing_key(material), retired)


def _read_secret() -> str:
    secret = client("secretsmanager").get_secret_value(SecretId=get_settings().signing_key_secret)
    return str(secret["SecretString"])


def _create_first_key() -> str:
    secrets = client("secretsmanager")
    # Another cold start may have created it first: then use theirs.
    with contextlib.suppress(secrets.exceptions.ResourceExistsException):
        secrets.put_secret_value(
            SecretId=get_settings().signing_key_secret,
            SecretString=generate_key_material(),
            ClientRequestToken=FIRST_KEY_REQUEST_TOKEN,
        )
    return _read_secret()


def key_set(now: float | None = None, *, create: bool = False) -> KeySet:
    """The current and retired keys, cached per container. `create`: the signer makes the
    first key."""
    global _cached
    moment = time.monotonic() if now is None else now
    if _cached is None or moment - _cached[0] > KEY_CACHE_SECONDS:
        text = _read_secret()
        if "private_key_pem" not in text:
            if not create:
                raise NoSigningKey()
            text = _create_first_key()
        _cached = (moment, load_key_set(text))
    return _cached[1]


def signing_key(now: float | None = None, *, create: bool = False) -> SigningKey:
    """The key new tokens are signed with."""
    return key_set(now, create=create).current


def verification_key(kid: str) -> Any | None:
    """The public key `kid` names, if it is current or retired and still live. A kid this
    container has not seen (a rotation elsewhere) rereads the secret, at most every
    UNKNOWN_KID_REFRESH_SECONDS, so forged kids cannot turn into a call per request."""
    global _last_unknown_kid_refresh
    keys = key_set()
    found = keys.public_key(kid, time.time())
    moment = time.monotonic()
    if found is None and moment - _last_unknown_kid_refresh > UNKNOWN_KID_REFRESH_SECONDS:
        _last_unknown_kid_refresh = moment
        forget_signing_key()
        found = key_set().public_key(kid, time.time())
    return found


def public_jwks() -> list[dict[str, Any]]:
    """Every key a valid token may name; none before the first token is signed."""
    try:
        return key_set().jwks(time.time())
    except NoSigningKey:
        return []


def forget_signing_key() -> None:
    global _cached
    _cached = None
