"""Access tokens: short-lived ES256 JWTs with `kid`, issuer, audience and a `typ` claim.

The algorithm is pinned (no `alg: none`, no HMAC confusion); exp, iat, nbf, iss and aud
are required and checked with a few seconds' leeway. `typ` keeps an access token from
standing in for another kind of token (refresh tokens are opaque, see shared.identity).

A verified token is remembered per container until it expires (at most
``VERIFIED_CACHE_SECONDS``), so a warm request pays a dict lookup, not an ECDSA check.
"""

from __future__ import annotations

import time
from typing import Any

from shared.auth.principal import ROLES, Principal
from shared.auth.signing import NoSigningKey, signing_key, verification_key
from shared.errors import Unauthorized
from shared.settings import get_settings

ALGORITHM = "ES256"
LEEWAY_SECONDS = 5
ACCESS = "access"
VERIFIED_CACHE_SECONDS = 300
VERIFIED_CACHE_SIZE = 2048

# token -> (principal, monotonic time the entry stops being trusted)
_verified: dict[str, tuple[Principal, float]] = {}


def issue_token(principal: Principal, *, ttl_seconds: int, typ: str = ACCESS) -> str:
    """A signed token naming `principal` (its session and email too, when it has them)."""
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
    if principal.session_id:
        claims["sid"] = principal.session_id
    if principal.email:
        claims["email"] = principal.email
    if principal.mfa:
        claims["amr"] = ["pwd", "otp"]  # RFC 8176: password and one-time password
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def verify_token(token: str, *, typ: str = ACCESS) -> Principal:
    """The principal a valid token names; Unauthorized (no hint why) otherwise."""
    cached = _verified.get(token)
    if cached is not None and typ == ACCESS:
        if time.monotonic() < cached[1]:
            return cached[0]
        del _verified[token]
    principal, expires = _verify(token, typ)
    if typ == ACCESS:
        if len(_verified) >= VERIFIED_CACHE_SIZE:
            _verified.clear()  # rare; simpler and cheaper than an LRU for short-lived tokens
        trusted_for = min(VERIFIED_CACHE_SECONDS, expires - time.time())
        _verified[token] = (principal, time.monotonic() + trusted_for)
    return principal


def forget_verified_tokens() -> None:
    _verified.clear()


def _verify(token: str, typ: str) -> tuple[Principal, int]:
    import jwt

    settings = get_settings()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        public_key = verification_key(kid) if isinstance(kid, str) else None
        if public_key is None:
            raise Unauthorized("Invalid or expired token")
        claims: dict[str, Any] = jwt.decode(
            token,
            public_key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
        )
    except (jwt.PyJWTError, NoSigningKey) as exc:  # no key yet: nothing was ever signed
        raise Unauthorized("Invalid or expired token") from exc
    if claims.get("typ") != typ or claims.get("role") not in ROLES or not claims.get("team_id"):
        raise Unauthorized("Invalid or expired token")
    principal = Principal(
        subject=str(claims["sub"]),
        team_id=str(claims["team_id"]),
        role=claims["role"],
        session_id=claims.get("sid"),
        email=claims.get("email"),
        mfa="otp" in (claims.get("amr") or ()),
    )
    return principal, int(claims["exp"])
