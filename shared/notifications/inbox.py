"""The rules of a user's inbox: a user reads and marks only their own items (another
user's id is not found), the count is the stored one, read-all goes newest first."""

from __future__ import annotations

from shared.errors import NotFound
from shared.ids import utcnow
from shared.notifications import inbox_store
from shared.notifications.domain import Notification
from shared.pagination import PageParams

# Items one read-all marks: the rest (rare) take another call, as retry-all does.
READ_ALL_LIMIT = 1000


def listing(
    team_id: str, user_id: str, params: PageParams, *, unread_only: bool = False
) -> tuple[list[Notification], int, str | None]:
    return inbox_store.page(team_id, user_id, params, unread_only=unread_only)


def unread_count(team_id: str, user_id: str) -> int:
    return inbox_store.unread_count(team_id, user_id)


def read_one(team_id: str, user_id: str, note_id: str) -> Notification:
    """Mark the item read (again: nothing changes) and answer it."""
    note = inbox_store.get(team_id, user_id, note_id)
    if note is None:
        raise NotFound("notification not found")
    if not note.read:
        inbox_store.mark_read(team_id, user_id, note_id, utcnow())
    return note.model_copy(update={"read": True})


def read_all(team_id: str, user_id: str) -> int:
    """Mark every unread item read (at most READ_ALL_LIMIT per call); how many were."""
    return inbox_store.mark_all_read(team_id, user_id, utcnow(), at_most=READ_ALL_LIMIT)
