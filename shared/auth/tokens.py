"""Access tokens: short-lived ES256 JWTs with `kid`, issuer, audience and a `typ` claim.

The algorithm is pinned (no `alg: none`, no HMAC confusion); exp, iat, nbf, iss and aud
are required and checked with a few seconds' leeway. `typ` keeps an access token from
standing in for another kind of token.
"""

from __future__ import annotations

import time
from typing import Any

from shared.auth.principal import ROLES, Principal
from shared.auth.signing import NoSigningKey, signing_key
from shared.errors import Unauthorized
from shared.settings import get_settings

ALGORITHM = "ES256"
LEEWAY_SECONDS = 5
ACCESS = "access"


def issue_token(principal: Principal, *, ttl_seconds: int, typ: str = ACCESS) -> str:
    import jwt

    key = signing_key(create=True)
    settings = get_settings()
    now = int(time.time())
    claims = {
        "sub": principal.subject,
        "team_id": principal.team_id,
        "role": principal.role,
        "typ": typ,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def verify_token(token: str, *, typ: str = ACCESS) -> Principal:
    """The principal a valid token names; Unauthorized (no hint why) otherwise."""
    import jwt

    try:
        key = signing_key()
    except NoSigningKey as exc:  # nothing was ever signed, so this token is not ours
        raise Unauthorized("Invalid or expired token") from exc
    settings = get_settings()
    try:
        if jwt.get_unverified_header(token).get("kid") != key.kid:
            raise Unauthorized("Invalid or expired token")
        claims: dict[str, Any] = jwt.decode(
            token,
            key.private_key.public_key(),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized("Invalid or expired token") from exc
    if claims.get("typ") != typ or claims.get("role") not in ROLES or not claims.get("team_id"):
        raise Unauthorized("Invalid or expired token")
    return Principal(
        subject=str(claims["sub"]), team_id=str(claims["team_id"]), role=claims["role"]
    )
