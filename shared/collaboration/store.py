"""Collaboration sessions' storage (keys in shared.collaboration.models); domain objects out."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from pynamodb.transactions import TransactWrite

from shared.collaboration.domain import STATUSES, Session, SessionMessage, Status
from shared.collaboration.models import (
    SESSION_PREFIX,
    SessionCounterItem,
    SessionItem,
    SessionMessageItem,
    SessionStatusItem,
    count_key,
    message_key,
    session_key,
    status_key,
)
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.batch import get_many
from shared.db.query import prefix_page
from shared.db.transactions import transact
from shared.errors import Conflict
from shared.ids import looks_like_id
from shared.pagination import PageParams


def _to_session(item: SessionItem | SessionStatusItem) -> Session:
    return Session(
        team_id=item.team_id,
        session_id=item.session_id,
        name=item.name,
        description=item.description,
        participants=tuple(str(agent) for agent in item.participants or ()),
        status=item.status,  # type: ignore[arg-type]  # written from Status only
        context=dict(getattr(item, "context", None) or {}),
        message_count=int(getattr(item, "message_count", 0) or 0),
        created_by=item.created_by,
        created_at=item.created_at,
        updated_at=item.updated_at,
        closed_at=item.closed_at,
        version=int(item.version or 0),
    )


def _to_message(item: SessionMessageItem) -> SessionMessage:
    return SessionMessage(
        team_id=item.team_id,
        session_id=item.session_id,
        message_id=item.message_id,
        agent_id=item.agent_id,
        message=item.message,
        message_type=item.message_type,  # type: ignore[arg-type]  # written from MessageType
        created_at=item.created_at,
    )


def _summary(session: Session) -> dict[str, Any]:
    return {
        "team_id": session.team_id,
        "session_id": session.session_id,
        "name": session.name,
        "description": session.description,
        "participants": list(session.participants),
        "status": session.status,
        "created_by": session.created_by,
        "created_at": session.created_at,
        "updated_at": session.updated_at,
        "closed_at": session.closed_at,
    }


def _status_item(session: Session) -> SessionStatusItem:
    return SessionStatusItem(
        team_partition(session.team_id),
        status_key(session.status, session.session_id),
        **_summary(session),
    )


def _count(transaction: TransactWrite, team_id: str, status: str, delta: int) -> None:
    transaction.update(
        SessionCounterItem(team_partition(team_id), count_key(status)),
        actions=[SessionCounterItem.total.add(delta), SessionCounterItem.team_id.set(team_id)],
        add_version_condition=False,
    )


def create_session(session: Session) -> Session:
    """The session, its status item and its count, in one transaction."""
    item = SessionItem(
        team_partition(session.team_id),
        session_key(session.session_id),
        context=session.context,
        message_count=0,
        **_summary(session),
    )

    def write(transaction: TransactWrite) -> None:
        transaction.save(item, condition=SessionItem.pk.does_not_exist())
        transaction.save(_status_item(session), condition=SessionStatusItem.pk.does_not_exist())
        _count(transaction, session.team_id, session.status, 1)

    if transact(write, what="collaboration session"):
        raise Conflict("the session was stored by another request")
    return replace(session, version=1)


def get_session(team_id: str, session_id: str, *, consistent: bool = False) -> Session | None:
    if not looks_like_id(session_id):
        return None
    item = get_or_none(
        SessionItem, team_partition(team_id), session_key(session_id), consistent=consistent
    )
    return None if item is None else _to_session(item)


def _session_ref(session: Session) -> SessionItem:
    item = SessionItem(team_partition(session.team_id), session_key(session.session_id))
    item.version = session.version
    return item


def add_message(session: Session, message: SessionMessage) -> bool:
    """Store `message` and count it on its session, only while the session is active
    (False when it is not: closed since it was read)."""
    put = SessionMessageItem(
        team_partition(message.team_id),
        message_key(message.session_id, message.message_id),
        team_id=message.team_id,
        session_id=message.session_id,
        message_id=message.message_id,
        agent_id=message.agent_id,
        message=message.message,
        message_type=message.message_type,
        created_at=message.created_at,
        updated_at=message.created_at,
    )

    def write(transaction: TransactWrite) -> None:
        transaction.save(put, condition=SessionMessageItem.pk.does_not_exist())
        # Not conditioned on the version read: messages posted at once all land; only a
        # close in between (the status) refuses one.
        transaction.update(
            _session_ref(session),
            actions=[
                SessionItem.message_count.add(1),
                SessionItem.updated_at.set(message.created_at),
            ],
            condition=SessionItem.status == "active",
            add_version_condition=False,
        )

    return not transact(write, what="collaboration message")


def set_context(session: Session, context: dict[str, Any], moment: datetime) -> Session | None:
    """Replace the session's context, conditioned on the version read and on the session
    being active; None when either changed since (the caller reads it again)."""
    try:
        with storage_errors("collaboration session"):
            _session_ref(session).update(
                actions=[SessionItem.context.set(context), SessionItem.updated_at.set(moment)],
                condition=SessionItem.status == "active",
            )
    except Conflict:
        return None
    return replace(session, context=context, updated_at=moment, version=session.version + 1)


def close_session(session: Session, moment: datetime) -> Session | None:
    """active → closed: the session, its status item and the counts in one transaction,
    conditioned on the session still being active (None when it is not)."""
    after = replace(session, status="closed", closed_at=moment, updated_at=moment)

    def write(transaction: TransactWrite) -> None:
        transaction.delete(
            SessionStatusItem(
                team_partition(session.team_id), status_key("active", session.session_id)
            ),
            add_version_condition=False,
        )
        transaction.save(_status_item(after), condition=SessionStatusItem.pk.does_not_exist())
        transaction.update(
            _session_ref(session),
            actions=[
                SessionItem.status.set("closed"),
                SessionItem.closed_at.set(moment),
                SessionItem.updated_at.set(moment),
            ],
            condition=SessionItem.status == "active",
            add_version_condition=False,
        )
        _count(transaction, session.team_id, "active", -1)
        _count(transaction, session.team_id, "closed", 1)

    if transact(write, what="collaboration session"):
        return None
    return replace(after, version=session.version + 1)


def count_sessions(team_id: str) -> dict[Status, int]:
    partition = team_partition(team_id)
    keys = {status: (SessionCounterItem, partition, count_key(status)) for status in STATUSES}
    found = get_many(list(keys.values()))
    return {
        status: int(found[key].total or 0) if key in found else 0 for status, key in keys.items()
    }


def list_sessions(
    team_id: str, params: PageParams, *, status: Status | None
) -> tuple[list[Session], int, str | None]:
    """Newest first: the sessions themselves, or the status items of one status (one
    Query each); the total from the counters, so neither reads the whole history."""
    counts = count_sessions(team_id)
    partition = team_partition(team_id)
    if status is None:
        items, cursor = prefix_page(SessionItem, partition, SESSION_PREFIX, params)
        return [_to_session(item) for item in items], sum(counts.values()), cursor
    listed, cursor = prefix_page(SessionStatusItem, partition, status_key(status), params)
    return [_to_session(item) for item in listed], counts[status], cursor


def list_messages(
    session: Session, params: PageParams
) -> tuple[list[SessionMessage], int, str | None]:
    """The session's messages newest first (one Query); the total is the session's count."""
    items, cursor = prefix_page(
        SessionMessageItem,
        team_partition(session.team_id),
        message_key(session.session_id),
        params,
    )
    return [_to_message(item) for item in items], session.message_count, cursor
