"""Customers' access tokens: ES256 JWTs signed with the platform's key (shared.auth.tokens)
under an audience of their own, so a customer token is never a team token and a team
token never a customer's (each verifier requires its own audience and `typ`)."""

from __future__ import annotations

from shared.auth.tokens import decode_claims, sign_claims
from shared.errors import Unauthorized
from shared.settings import get_settings

CUSTOMER = "customer"


def audience() -> str:
    return f"{get_settings().jwt_audience}/customers"


def issue(customer_id: str, *, ttl_seconds: int) -> str:
    return sign_claims(customer_id, {"typ": CUSTOMER}, audience=audience(), ttl_seconds=ttl_seconds)


def verify(token: str) -> str:
    """The customer id a valid customer token names; Unauthorized (no hint why) otherwise."""
    claims = decode_claims(token, audience=audience())
    if claims.get("typ") != CUSTOMER:
        raise Unauthorized("Invalid or expired token")
    return str(claims["sub"])
