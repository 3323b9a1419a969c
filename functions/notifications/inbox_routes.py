"""A user's inbox: `/notifications` (newest first, `?unread=true`), the unread count, and
marking one or all read. Each person sees only their own items: another user's (or
team's) item is 404.

The app serves this router last: `/notifications/{id}/read` would otherwise take
`/notifications/rules/...` and `/notifications/channels/...`.
"""

from __future__ import annotations

from typing import Any

from functions.notifications.schemas import (
    InboxFilters,
    NotificationPublic,
    ReadAll,
    UnreadCount,
)
from shared.app_factory import group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.errors import error_responses
from shared.notifications import inbox
from shared.notifications.domain import Notification
from shared.pagination import LIST_RESPONSES, Page, page_answer

router = group_router(tags=["notifications"], responses=error_responses(401, 403, 422))


def public(note: Notification) -> dict[str, Any]:
    return note.model_dump(
        include={"id", "kind", "title", "body", "read", "created_at", "link", "event_id"}
    )


@router.get(
    "/notifications",
    response_model=Page[NotificationPublic],
    responses=LIST_RESPONSES,
    summary="Your notifications, newest first",
)
async def list_notifications(principal: CurrentPrincipal, params: InboxFilters) -> dict[str, Any]:
    items, total, cursor = inbox.listing(
        principal.team_id, principal.subject, params, unread_only=params.unread
    )
    return page_answer([public(item) for item in items], total, params, cursor)


@router.get(
    "/notifications/unread-count",
    response_model=UnreadCount,
    summary="How many of your notifications are unread",
)
async def unread_count(principal: CurrentPrincipal) -> dict[str, Any]:
    return {"count": inbox.unread_count(principal.team_id, principal.subject)}


@router.put(
    "/notifications/read-all",
    response_model=ReadAll,
    summary="Mark all your notifications read (at most 1000 per call)",
)
async def read_all(principal: CurrentPrincipal) -> dict[str, Any]:
    return {"marked": inbox.read_all(principal.team_id, principal.subject)}


@router.put(
    "/notifications/{notification_id}/read",
    response_model=NotificationPublic,
    responses=error_responses(404),
    summary="Mark one of your notifications read",
)
async def read_one(notification_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
    return public(inbox.read_one(principal.team_id, principal.subject, notification_id))
