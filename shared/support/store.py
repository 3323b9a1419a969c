"""Support sessions (keys in shared.support.models): the only module of the area that
touches the table. Their messages are shared.chat.store's."""

from __future__ import annotations

from shared.db.base import get_or_none, insert, storage_errors
from shared.db.query import query_page
from shared.ids import looks_like_id
from shared.pagination import PageParams
from shared.support.domain import SupportSession, SupportStatus
from shared.support.models import (
    SESSION_SORT,
    SupportSessionItem,
    queue_partition,
    queue_sort,
    session_partition,
)


def _to_session(item: SupportSessionItem) -> SupportSession:
    return SupportSession(
        id=item.session_id,
        team_id=item.team_id,
        product_id=item.product_id,
        product_name=item.product_name,
        status=item.status,  # type: ignore[arg-type]  # written from a SupportStatus
        created_at=item.created_at,
        updated_at=item.updated_at,
        email=item.email,
        escalation_reason=item.escalation_reason,
        token_digest=item.token_digest,
        version=item.version,
    )


def _item(session: SupportSession) -> SupportSessionItem:
    item = SupportSessionItem(
        session_partition(session.id),
        SESSION_SORT,
        team_id=session.team_id,
        session_id=session.id,
        product_id=session.product_id,
        product_name=session.product_name,
        status=session.status,
        email=session.email,
        escalation_reason=session.escalation_reason,
        token_digest=session.token_digest,
        created_at=session.created_at,
        updated_at=session.updated_at,
        gsi1pk=queue_partition(session.team_id, session.status),
        gsi1sk=queue_sort(session.updated_at, session.id),
    )
    if session.version is not None:
        item.version = session.version
    return item


def create_session(session: SupportSession) -> SupportSession:
    return _to_session(insert(_item(session), "support session"))


def get_session(session_id: str) -> SupportSession | None:
    if not looks_like_id(session_id):
        return None
    item = get_or_none(SupportSessionItem, session_partition(session_id), SESSION_SORT)
    return None if item is None else _to_session(item)


def save_session(session: SupportSession) -> SupportSession:
    """Save on the version `session` was read at: another change meanwhile is Conflict."""
    item = _item(session)
    with storage_errors("support session"):
        item.save()
    return _to_session(item)


def list_queue(
    team_id: str, status: SupportStatus, params: PageParams
) -> tuple[list[SupportSession], int, str | None]:
    """The seller's sessions of one status, most recent activity first: one Query."""
    items, total, cursor = query_page(
        SupportSessionItem.in_queue, queue_partition(team_id, status), params
    )
    return [_to_session(item) for item in items], total, cursor


def count_queue(team_id: str, status: SupportStatus, *, at_most: int) -> int:
    """How many of the seller's sessions have `status`, counting no further than `at_most`:
    one bounded Query with Select=COUNT on the queue's index (the dashboard's figure)."""
    with storage_errors("support session"):
        return SupportSessionItem.in_queue.count(queue_partition(team_id, status), limit=at_most)
