"""Inbound events' storage: one item per event under its source, kept 7 days (TTL);
`InboundEvent` out, its payload parsed from the JSON text received when it is JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from shared.db.base import get_or_none, storage_errors
from shared.db.query import query_page
from shared.hooks.domain import EVENT_RETENTION_SECONDS, InboundEvent
from shared.hooks.models import EVENT_PREFIX, EventItem, event_key, source_key
from shared.ids import utcnow
from shared.pagination import PageParams

# An item holds 400 KB at most: a larger payload is kept in S3 and referenced.
MAX_INLINE_PAYLOAD_BYTES = 300 * 1024


def _parsed(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _to_event(item: EventItem) -> InboundEvent:
    return InboundEvent(
        id=item.event_id,
        team_id=item.team_id,
        source_id=item.source_id,
        type=item.type,
        received_at=item.received_at,
        payload=_parsed(item.payload),
        payload_key=item.payload_key,
    )


def save_event(
    team_id: str,
    source_id: str,
    event_id: str,
    event_type: str,
    received_at: datetime,
    payload: str | None,
    payload_key: str | None,
) -> InboundEvent:
    """Store the event (a put: storing the same event again changes nothing)."""
    item = EventItem(
        source_key(source_id),
        event_key(event_id),
        team_id=team_id,
        source_id=source_id,
        event_id=event_id,
        type=event_type,
        received_at=received_at,
        payload=payload,
        payload_key=payload_key,
        expires_at=datetime.fromtimestamp(received_at.timestamp() + EVENT_RETENTION_SECONDS, UTC),
    )
    with storage_errors("event"):
        item.save()
    return _to_event(item)


def get_event(team_id: str, source_id: str, event_id: str) -> InboundEvent | None:
    """One event of the team's source (what a rule on `hook.received` reads the sender's
    body from); None when it is gone (past its 7 days) or not the team's."""
    item = get_or_none(EventItem, source_key(source_id), event_key(event_id))
    if item is None or item.team_id != team_id:
        return None
    return _to_event(item)


def list_events(source_id: str, params: PageParams) -> tuple[list[InboundEvent], int, str | None]:
    """A source's events, newest first (ids are time-sortable): one Query and a count.
    Events past their 7 days are left out though DynamoDB's TTL may not have deleted them."""
    items, total, cursor = query_page(
        EventItem,
        source_key(source_id),
        params,
        range_key_condition=EventItem.sk.startswith(EVENT_PREFIX),
        filter_condition=EventItem.expires_at > utcnow(),
    )
    return [_to_event(item) for item in items], total, cursor
