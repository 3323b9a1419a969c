"""Sign-in sessions: refresh-token families with rotation and reuse detection.

A sign-in starts a family. Each refresh swaps the family's current token for a new one
(a conditional write, so two uses of one token cannot both win) and remembers the old
hash. Presenting a remembered hash means a token was copied: the whole family is revoked.
A family lives `refresh_token_days` from its sign-in however often it is refreshed, and
remembers its last `REMEMBERED_TOKENS` hashes, so its item stays small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pynamodb.exceptions import UpdateError

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.errors import Unauthorized
from shared.identity import opaque
from shared.identity.models import SessionItem, session_key
from shared.ids import new_id, utcnow
from shared.settings import get_settings

INVALID = "Invalid or expired refresh token"
# A copied token is presented soon after it was copied; 64 rotations is 16 h of tokens
# refreshed every 15 min.
REMEMBERED_TOKENS = 64


@dataclass(frozen=True, slots=True)
class Rotated:
    session: SessionItem
    refresh_token: str


@dataclass(frozen=True, slots=True)
class Reused:
    """A rotated-away token came back: the family is now revoked."""

    session: SessionItem


def _lifetime() -> timedelta:
    return timedelta(days=get_settings().refresh_token_days)


def start(team_id: str, user_id: str) -> Rotated:
    family_id = new_id()
    minted = opaque.mint(opaque.REFRESH, team_id, family_id)
    now = utcnow()
    item = SessionItem(
        team_partition(team_id),
        session_key(family_id),
        team_id=team_id,
        family_id=family_id,
        user_id=user_id,
        current_hash=minted.digest,
        last_used_at=now,
        expires_at=now + _lifetime(),
    )
    with storage_errors("session"):
        item.save(condition=SessionItem.pk.does_not_exist())
    return Rotated(item, minted.token)


def rotate(refresh_token: str) -> Rotated | Reused:
    """The family's next token; Reused when a dead one is presented; 401 otherwise."""
    presented = opaque.parse(refresh_token, opaque.REFRESH)
    if presented is None:
        raise Unauthorized(INVALID)
    item = get_or_none(
        SessionItem, team_partition(presented.team_id), session_key(presented.item_id)
    )
    if (
        item is None
        or item.revoked
        or (item.expires_at is not None and item.expires_at <= utcnow())
    ):
        raise Unauthorized(INVALID)
    if any(opaque.same(used, presented.digest) for used in _used(item)):
        revoke(item, "refresh token reused")
        return Reused(item)
    if not opaque.same(item.current_hash, presented.digest):
        raise Unauthorized(INVALID)
    minted = opaque.mint(opaque.REFRESH, item.team_id, item.family_id)
    remembered = [*_used(item), presented.digest][-REMEMBERED_TOKENS:]
    try:
        item.update(
            actions=[
                SessionItem.current_hash.set(minted.digest),
                # PynamoDB types a list's items as their attribute class, not str.
                SessionItem.used_hashes.set(remembered),  # type: ignore[arg-type]
                SessionItem.last_used_at.set(utcnow()),
            ],
            condition=(SessionItem.current_hash == presented.digest)
            & (SessionItem.revoked == False),  # noqa: E712 - a DynamoDB condition
            add_version_condition=False,
        )
    except UpdateError as exc:
        # Another request rotated this very token first: that is reuse as well.
        if exc.cause_response_code == "ConditionalCheckFailedException":
            revoke(item, "refresh token reused")
            return Reused(item)
        with storage_errors("session"):
            raise
    return Rotated(item, minted.token)


def _used(item: SessionItem) -> list[str]:
    return [str(digest) for digest in item.used_hashes or []]


def revoke(item: SessionItem, reason: str) -> None:
    with storage_errors("session"):
        item.update(
            actions=[SessionItem.revoked.set(True), SessionItem.revoked_reason.set(reason)],
            add_version_condition=False,
        )


def revoke_family(team_id: str, family_id: str, reason: str) -> bool:
    """Revoke one family by id; False when there is none."""
    item = get_or_none(SessionItem, team_partition(team_id), session_key(family_id))
    if item is None:
        return False
    if not item.revoked:
        revoke(item, reason)
    return True


def revoke_presented(refresh_token: str, user_id: str, reason: str) -> bool:
    """Revoke the family of a refresh token `user_id` holds (its current token, checked);
    False for any other token, so no one ends a session they cannot show."""
    presented = opaque.parse(refresh_token, opaque.REFRESH)
    if presented is None:
        return False
    item = get_or_none(
        SessionItem, team_partition(presented.team_id), session_key(presented.item_id)
    )
    if (
        item is None
        or item.user_id != user_id
        or not opaque.same(item.current_hash, presented.digest)
    ):
        return False
    if not item.revoked:
        revoke(item, reason)
    return True


def revoke_all(team_id: str, user_id: str, reason: str, *, keep: str | None = None) -> int:
    """Revoke every live family of a user but `keep`; how many were revoked."""
    revoked = 0
    with storage_errors("session"):
        families = SessionItem.query(
            team_partition(team_id),
            SessionItem.sk.startswith(session_key()),
            filter_condition=(SessionItem.user_id == user_id) & (SessionItem.revoked == False),  # noqa: E712 - a DynamoDB condition
        )
        for item in families:
            if item.family_id != keep:
                revoke(item, reason)
                revoked += 1
    return revoked
