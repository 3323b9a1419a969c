"""The token signing key: an EC P-256 key kept in Secrets Manager, cached in the function.

Fetched once per container (and again after `KEY_CACHE_SECONDS`, so a rotated key is
picked up), never per request. The public half is published at /.well-known/jwks.json.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

from shared.aws import client
from shared.ids import new_id
from shared.settings import get_settings

KEY_CACHE_SECONDS = 600
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


_cached: tuple[float, SigningKey] | None = None


def generate_key_material() -> str:
    """A new key as the secret's JSON text: {"kid", "private_key_pem"}."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return json.dumps({"kid": new_id(), "private_key_pem": pem})


def _load(secret_text: str) -> SigningKey:
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    material = json.loads(secret_text)
    private = serialization.load_pem_private_key(material["private_key_pem"].encode(), None)
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise ValueError("the signing key secret must hold an EC P-256 private key")
    public_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    public_jwk.update({"kid": material["kid"], "alg": "ES256", "use": "sig"})
    return SigningKey(material["kid"], private, public_jwk)


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


def signing_key(now: float | None = None, *, create: bool = False) -> SigningKey:
    """The current key, cached per container. `create`: the signer makes the first key."""
    global _cached
    moment = time.monotonic() if now is None else now
    if _cached is None or moment - _cached[0] > KEY_CACHE_SECONDS:
        text = _read_secret()
        if "private_key_pem" not in text:
            if not create:
                raise NoSigningKey()
            text = _create_first_key()
        _cached = (moment, _load(text))
    return _cached[1]


def forget_signing_key() -> None:
    global _cached
    _cached = None
