"""Customers' access tokens: ES256 JWTs signed with the platform's key (shared.auth.signing)
under an audience of their own, so a customer token is never a team token and a team
token never a customer's (each verifier requires its own audience and `typ`)."""

from __future__ import annotations

import time
from typing import Any

from shared.auth.signing import NoSigningKey, signing_key, verification_key
from shared.auth.tokens import ALGORITHM, LEEWAY_SECONDS
from shared.errors import Unauthorized
from shared.settings import get_settings

CUSTOMER = "customer"


def audience() -> str:
    return f"{get_settings().jwt_audience}/customers"


def issue(customer_id: str, *, ttl_seconds: int) -> str:
    import jwt

    key = signing_key(create=True)
    now = int(time.time())
    claims = {
        "sub": customer_id,
        "typ": CUSTOMER,
        "iss": get_settings().jwt_issuer,
        "aud": audience(),
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def verify(token: str) -> str:
    """The customer id a valid customer token names; Unauthorized (no hint why) otherwise."""
    import jwt

    try:
        kid = jwt.get_unverified_header(token).get("kid")
        public_key = verification_key(kid) if isinstance(kid, str) else None
        if public_key is None:
            raise Unauthorized("Invalid or expired token")
        claims: dict[str, Any] = jwt.decode(
            token,
            public_key,
            algorithms=[ALGORITHM],
            audience=audience(),
            issuer=get_settings().jwt_issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
        )
    except (jwt.PyJWTError, NoSigningKey) as exc:
        raise Unauthorized("Invalid or expired token") from exc
    if claims.get("typ") != CUSTOMER:
        raise Unauthorized("Invalid or expired token")
    return str(claims["sub"])
