"""Sign-in sessions' storage: refresh-token families. The only code that reads or writes
them; it answers `Session`. The rotation and reuse rules are functions/auth/sessions.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pynamodb.exceptions import UpdateError

from shared.db.base import get_or_none, insert, storage_errors, team_partition
from shared.db.query import query_page
from shared.identity.domain import Session
from shared.identity.models import SessionItem, session_key
from shared.pagination import PageParams


def _session(item: SessionItem) -> Session:
    return Session(
        family_id=item.family_id,
        team_id=item.team_id,
        user_id=item.user_id,
        current_hash=item.current_hash,
        used_hashes=tuple(str(digest) for digest in item.used_hashes or ()),
        revoked=bool(item.revoked),
        expires_at=item.expires_at,
        started_at=item.created_at,
        last_used_at=item.last_used_at,
    )


def _key(team_id: str, family_id: str) -> SessionItem:
    """The family's key, to update without reading. No write here is conditioned on the
    version; DynamoDB adds 1 to the stored one all the same."""
    return SessionItem(team_partition(team_id), session_key(family_id), version=0)


def start_session(
    team_id: str,
    family_id: str,
    user_id: str,
    *,
    current_hash: str,
    at: datetime,
    expires_at: datetime,
) -> Session:
    item = SessionItem(
        team_partition(team_id),
        session_key(family_id),
        team_id=team_id,
        family_id=family_id,
        user_id=user_id,
        current_hash=current_hash,
        last_used_at=at,
        expires_at=expires_at,
    )
    return _session(insert(item, "session"))


def get_session(team_id: str, family_id: str) -> Session | None:
    item = get_or_none(SessionItem, team_partition(team_id), session_key(family_id))
    return None if item is None else _session(item)


def rotate_session(
    session: Session, *, presented_hash: str, new_hash: str, used: Sequence[str], at: datetime
) -> Session | None:
    """Swap the family's current hash `presented_hash` for `new_hash`, remembering `used`:
    the family as written; None when its current hash is no longer `presented_hash` or it
    was revoked (another request rotated the same token first)."""
    item = _key(session.team_id, session.family_id)
    try:
        item.update(
            actions=[
                SessionItem.current_hash.set(new_hash),
                # PynamoDB types a list's items as their attribute class, not str.
                SessionItem.used_hashes.set(list(used)),  # type: ignore[arg-type]
                SessionItem.last_used_at.set(at),
            ],
            condition=(SessionItem.current_hash == presented_hash) & (SessionItem.revoked == False),  # noqa: E712 - a DynamoDB condition
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        with storage_errors("session"):
            raise
    return _session(item)


def revoke_session(team_id: str, family_id: str, reason: str) -> None:
    with storage_errors("session"):
        _key(team_id, family_id).update(
            actions=[SessionItem.revoked.set(True), SessionItem.revoked_reason.set(reason)],
            add_version_condition=False,
        )


def live_sessions(team_id: str, user_id: str) -> list[Session]:
    """The user's families not revoked (expired ones included: revoking them is harmless)."""
    with storage_errors("session"):
        families = SessionItem.query(
            team_partition(team_id),
            SessionItem.sk.startswith(session_key()),
            filter_condition=(SessionItem.user_id == user_id) & (SessionItem.revoked == False),  # noqa: E712 - a DynamoDB condition
        )
        return [_session(item) for item in families]


def active_sessions_page(
    team_id: str, params: PageParams, *, now: datetime, user_id: str | None = None
) -> tuple[list[Session], int, str | None]:
    """The team's sessions neither revoked nor expired (one user's, with `user_id`), newest
    first: one Query on the team's partition, the others filtered out by DynamoDB."""
    live = (SessionItem.revoked == False) & (SessionItem.expires_at > now)  # noqa: E712 - a DynamoDB condition
    if user_id is not None:
        live &= SessionItem.user_id == user_id
    items, total, cursor = query_page(
        SessionItem,
        team_partition(team_id),
        params,
        range_key_condition=SessionItem.sk.startswith(session_key()),
        filter_condition=live,
    )
    return [_session(item) for item in items], total, cursor
