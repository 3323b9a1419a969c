"""Sign-in sessions: refresh-token families with rotation and reuse detection.

A sign-in starts a family. Each refresh swaps the family's current token for a new one
(a conditional write, so two uses of one token cannot both win) and remembers the old
hash. Presenting a remembered hash means a token was copied: the whole family is revoked.
A family lives `refresh_token_days` (or its team's shorter session lifetime) from its
sign-in however often it is refreshed, and remembers its last `REMEMBERED_TOKENS` hashes,
so its item stays small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from shared.errors import Unauthorized
from shared.identity import opaque
from shared.identity.domain import Session
from shared.identity.store import security as security_store
from shared.identity.store import sessions as store
from shared.ids import new_id, utcnow
from shared.settings import get_settings

INVALID = "Invalid or expired refresh token"
# A copied token is presented soon after it was copied; 64 rotations is 16 h of tokens
# refreshed every 15 min.
REMEMBERED_TOKENS = 64


@dataclass(frozen=True, slots=True)
class Rotated:
    session: Session
    refresh_token: str


@dataclass(frozen=True, slots=True)
class Reused:
    """A rotated-away token came back: the family is now revoked."""

    session: Session


def lifetime(team_id: str) -> timedelta:
    """How long a sign-in of the team lasts: its setting, capped by the deployment's."""
    deployment = timedelta(days=get_settings().refresh_token_days)
    hours = security_store.get_security(team_id).settings.session_lifetime_hours
    return deployment if hours is None else min(deployment, timedelta(hours=hours))


def start(team_id: str, user_id: str) -> Rotated:
    family_id = new_id()
    minted = opaque.mint(opaque.REFRESH, team_id, family_id)
    now = utcnow()
    session = store.start_session(
        team_id,
        family_id,
        user_id,
        current_hash=minted.digest,
        at=now,
        expires_at=now + lifetime(team_id),
    )
    return Rotated(session, minted.token)


def rotate(refresh_token: str) -> Rotated | Reused:
    """The family's next token; Reused when a dead one is presented; 401 otherwise."""
    presented = opaque.parse(refresh_token, opaque.REFRESH)
    if presented is None:
        raise Unauthorized(INVALID)
    session = store.get_session(presented.team_id, presented.item_id)
    if (
        session is None
        or session.revoked
        or (session.expires_at is not None and session.expires_at <= utcnow())
    ):
        raise Unauthorized(INVALID)
    if any(opaque.same(used, presented.digest) for used in session.used_hashes):
        revoke(session, "refresh token reused")
        return Reused(session)
    if not opaque.same(session.current_hash, presented.digest):
        raise Unauthorized(INVALID)
    minted = opaque.mint(opaque.REFRESH, session.team_id, session.family_id)
    remembered = [*session.used_hashes, presented.digest][-REMEMBERED_TOKENS:]
    rotated = store.rotate_session(
        session,
        presented_hash=presented.digest,
        new_hash=minted.digest,
        used=remembered,
        at=utcnow(),
    )
    if rotated is None:
        # Another request rotated this very token first: that is reuse as well.
        revoke(session, "refresh token reused")
        return Reused(session)
    return Rotated(rotated, minted.token)


def revoke(session: Session, reason: str) -> None:
    store.revoke_session(session.team_id, session.family_id, reason)


def revoke_family(team_id: str, family_id: str, reason: str) -> bool:
    """Revoke one family by id; False when there is none."""
    session = store.get_session(team_id, family_id)
    if session is None:
        return False
    if not session.revoked:
        revoke(session, reason)
    return True


def revoke_presented(refresh_token: str, user_id: str, reason: str) -> bool:
    """Revoke the family of a refresh token `user_id` holds (its current token, checked);
    False for any other token, so no one ends a session they cannot show."""
    presented = opaque.parse(refresh_token, opaque.REFRESH)
    if presented is None:
        return False
    session = store.get_session(presented.team_id, presented.item_id)
    if (
        session is None
        or session.user_id != user_id
        or not opaque.same(session.current_hash, presented.digest)
    ):
        return False
    if not session.revoked:
        revoke(session, reason)
    return True


def revoke_all(team_id: str, user_id: str, reason: str, *, keep: str | None = None) -> int:
    """Revoke every live family of a user but `keep`; how many were revoked."""
    revoked = 0
    for session in store.live_sessions(team_id, user_id):
        if session.family_id != keep:
            revoke(session, reason)
            revoked += 1
    return revoked
