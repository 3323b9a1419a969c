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


def sign_claims(subject: str, claims: dict[str, Any], *, audience: str, ttl_seconds: int) -> str:
    """An ES256 JWT of `claims` for `subject` and `audience`, with our issuer and times,
    signed with the current key (`kid` in its header)."""
    import jwt

    key = signing_key(create=True)
    now = int(time.time())
    signed = {
        "sub": subject,
        **claims,
        "iss": get_settings().jwt_issuer,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(signed, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def decode_claims(token: str, *, audience: str) -> dict[str, Any]:
    """The claims of a token we signed for `audience`, checked (key by `kid`, algorithm,
    times, issuer, audience); Unauthorized (no hint why) otherwise."""
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
            audience=audience,
            issuer=get_settings().jwt_issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
        )
    except (jwt.PyJWTError, NoSigningKey) as exc:  # no key yet: nothing was ever signed
        raise Unauthorized("Invalid or expired token") from exc
    return claims


def issue_token(principal: Principal, *, ttl_seconds: int, typ: str = ACCESS) -> str:
    """A signed token naming `principal` (its session and email too, when it has them)."""
    claims: dict[str, Any] = {
        "team_id": principal.team_id,
        "role": principal.role,
        "typ": typ,
    }
    if principal.session_id:
        claims["sid"] = principal.session_id
    if principal.email:
        claims["email"] = principal.email
    if principal.mfa:
        claims["amr"] = ["pwd", "otp"]  # RFC 8176: password and one-time password
    return sign_claims(
        principal.subject,
        claims,
        audience=get_settings().jwt_audience,
        ttl_seconds=ttl_seconds,
    )


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
    claims = decode_claims(token, audience=get_settings().jwt_audience)
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
