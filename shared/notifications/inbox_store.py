"""The inbox's storage: a user's items and unread count (keys in
shared.notifications.models); `Notification` out.

Every change of an item's read state moves the count in the same transaction, so the
count is exact and `GET /notifications/unread-count` reads one item. Unread items are kept
(their TTL is set when they are read): an item gone by TTL while unread would leave the
count too high.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.transactions import TransactWrite

from shared.db.base import get_or_none, storage_errors
from shared.db.query import query_page
from shared.db.transactions import transact
from shared.ids import looks_like_id
from shared.notifications.domain import Notification
from shared.notifications.models import (
    NOTE_PREFIX,
    UNREAD,
    NoteItem,
    UnreadItem,
    inbox_partition,
    note_key,
    unread_partition,
)
from shared.pagination import PageParams

# A read item is kept this long after it was read.
READ_RETENTION = timedelta(days=90)
# Items one transaction marks read (each an update, plus the count's).
READ_BATCH = 99


def _to_notification(item: NoteItem) -> Notification:
    return Notification(
        id=item.note_id,
        team_id=item.team_id,
        user_id=item.user_id,
        kind=item.kind,
        title=item.title,
        body=item.body,
        read=bool(item.read),
        created_at=item.created_at,
        event_id=item.event_id,
        rule_id=item.rule_id,
        link=item.link,
    )


def _counter(team_id: str, user_id: str) -> UnreadItem:
    return UnreadItem(inbox_partition(team_id, user_id), UNREAD)


def add(note: Notification) -> bool:
    """Store a new unread item and count it, in one transaction; False (nothing written)
    when an item with its id is already there: a redelivered event adds nothing."""
    item = NoteItem(
        inbox_partition(note.team_id, note.user_id),
        note_key(note.id),
        team_id=note.team_id,
        user_id=note.user_id,
        note_id=note.id,
        kind=note.kind,
        title=note.title,
        body=note.body,
        read=False,
        created_at=note.created_at,
        event_id=note.event_id,
        rule_id=note.rule_id,
        link=note.link,
        gsi1pk=unread_partition(note.team_id, note.user_id),
        gsi1sk=note.id,
    )

    def write(transaction: TransactWrite) -> None:
        transaction.save(item, condition=NoteItem.pk.does_not_exist())
        transaction.update(_counter(note.team_id, note.user_id), actions=[UnreadItem.unread.add(1)])

    return not transact(write, what="notification")


def get(team_id: str, user_id: str, note_id: str) -> Notification | None:
    if not looks_like_id(note_id):
        return None
    item = get_or_none(NoteItem, inbox_partition(team_id, user_id), note_key(note_id))
    return None if item is None else _to_notification(item)


def page(
    team_id: str, user_id: str, params: PageParams, *, unread_only: bool
) -> tuple[list[Notification], int, str | None]:
    """A page of the user's items, newest first: the inbox, or its unread ones (a Query on
    the sparse unread index)."""
    if unread_only:
        items, total, cursor = query_page(
            NoteItem.unread, unread_partition(team_id, user_id), params
        )
    else:
        items, total, cursor = query_page(
            NoteItem,
            inbox_partition(team_id, user_id),
            params,
            range_key_condition=NoteItem.sk.startswith(NOTE_PREFIX),
        )
    return [_to_notification(item) for item in items], total, cursor


def unread_count(team_id: str, user_id: str) -> int:
    item = get_or_none(UnreadItem, inbox_partition(team_id, user_id), UNREAD)
    return max(0, int(item.unread)) if item is not None else 0


def _mark(note_ids: list[str], team_id: str, user_id: str, now: datetime) -> bool:
    """Mark these unread items read and take them off the count, in one transaction;
    False (nothing written) when one of them was read meanwhile."""

    def write(transaction: TransactWrite) -> None:
        for note_id in note_ids:
            transaction.update(
                NoteItem(inbox_partition(team_id, user_id), note_key(note_id)),
                actions=[
                    NoteItem.read.set(True),
                    NoteItem.gsi1pk.remove(),
                    NoteItem.gsi1sk.remove(),
                    NoteItem.expires_at.set(now + READ_RETENTION),
                ],
                condition=NoteItem.pk.exists() & (NoteItem.read == False),  # noqa: E712
            )
        transaction.update(
            _counter(team_id, user_id), actions=[UnreadItem.unread.add(-len(note_ids))]
        )

    return not transact(write, what="notification")


def mark_read(team_id: str, user_id: str, note_id: str, now: datetime) -> bool:
    """Mark one item read; False when it was already read (or is gone)."""
    return _mark([note_id], team_id, user_id, now)


def mark_all_read(team_id: str, user_id: str, now: datetime, *, at_most: int) -> int:
    """Mark the user's unread items read, newest first, up to `at_most`; how many."""
    marked = 0
    while marked < at_most:
        with storage_errors("notifications"):
            unread = [
                item.note_id
                for item in NoteItem.unread.query(
                    unread_partition(team_id, user_id),
                    limit=min(READ_BATCH, at_most - marked),
                    scan_index_forward=False,
                )
            ]
        if _mark(unread, team_id, user_id, now) if unread else False:
            marked += len(unread)
            continue
        # One was read meanwhile (or the index, eventually consistent, still lists items
        # just read): one at a time, and stop when a round marks nothing.
        done = sum(mark_read(team_id, user_id, note_id, now) for note_id in unread)
        if not done:
            break
        marked += done
    return marked
