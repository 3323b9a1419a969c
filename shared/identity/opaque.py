"""Opaque secrets: refresh tokens, API keys, agent tokens, invitations.

Shape: ``<kind>_<team>.<item id>.<secret>``. The team and id say which item to read (a
GetItem in the caller's own team partition); only a SHA-256 of the whole token is stored.
A fast hash is right here: the secret is 256 random bits, not a password to guess.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

REFRESH = "sfr"
API_KEY = "sfk"
AGENT_TOKEN = "sfa"  # noqa: S105 - a token kind, not a secret
INVITATION = "sfi"
# A storefront customer's refresh token: `sfc_<customer>.<sign-in>.<secret>`.
CUSTOMER_REFRESH = "sfc"

_SHAPE = re.compile(r"^(sf[rkaic])_([A-Za-z0-9_-]{1,64})\.([0-9A-Z]{26})\.([A-Za-z0-9_-]{43})$")
# Shown in lists so a user can tell keys apart: the kind, team and id, and 4 secret chars.
VISIBLE_SECRET_CHARS = 4


@dataclass(frozen=True, slots=True)
class Minted:
    token: str
    digest: str

    @property
    def prefix(self) -> str:
        return self.token[: self.token.rindex(".") + 1 + VISIBLE_SECRET_CHARS]


@dataclass(frozen=True, slots=True)
class Presented:
    kind: str
    team_id: str
    item_id: str
    digest: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint(kind: str, team_id: str, item_id: str) -> Minted:
    token = f"{kind}_{team_id}.{item_id}.{secrets.token_urlsafe(32)}"
    return Minted(token, digest(token))


def parse(token: str, kind: str) -> Presented | None:
    """The parts of a token of `kind`; None when it is not one (never says why)."""
    match = _SHAPE.match(token)
    if match is None or match.group(1) != kind:
        return None
    return Presented(kind, match.group(2), match.group(3), digest(token))


def same(stored_digest: str, presented_digest: str) -> bool:
    return hmac.compare_digest(stored_digest.encode(), presented_digest.encode())


def looks_like(token: str, kind: str) -> bool:
    return token.startswith(f"{kind}_")
