"""Deliveries' storage: one item per delivery under its endpoint, kept 30 days (TTL), its
status also in gsi1 (`DELIVERYSTATUS#<webhook>#<status>`, sorted by id, hence by time) so
`recover` finds the failed ones since a time with one Query; `Delivery` out."""

from __future__ import annotations

from datetime import UTC, datetime

from ulid import ULID

from shared.db.base import get_or_none, storage_errors
from shared.db.query import query_page
from shared.db.versioned import lost_race
from shared.errors import Conflict
from shared.ids import looks_like_id
from shared.pagination import PageParams
from shared.webhooks.domain import DELIVERY_RETENTION_SECONDS, Attempt, Delivery
from shared.webhooks.models import (
    DELIVERY_PREFIX,
    DeliveryItem,
    delivery_key,
    delivery_status_key,
    webhook_key,
)


def _to_delivery(item: DeliveryItem) -> Delivery:
    return Delivery(
        id=item.delivery_id,
        webhook_id=item.webhook_id,
        team_id=item.team_id,
        message_id=item.message_id,
        event_type=item.event_type,
        body=item.body,
        status=item.status,  # type: ignore[arg-type]  # written from a DeliveryStatus
        attempts=[Attempt.model_validate(a) for a in item.attempts],
        last_response_code=(
            None if item.last_response_code is None else int(item.last_response_code)
        ),
        next_attempt_at=item.next_attempt_at,
        created_at=item.created_at,
    )


def _item(delivery: Delivery, series_start: int) -> DeliveryItem:
    return DeliveryItem(
        webhook_key(delivery.webhook_id),
        delivery_key(delivery.id),
        team_id=delivery.team_id,
        webhook_id=delivery.webhook_id,
        delivery_id=delivery.id,
        message_id=delivery.message_id,
        event_type=delivery.event_type,
        body=delivery.body,
        status=delivery.status,
        attempts=[a.model_dump(mode="json") for a in delivery.attempts],
        attempt_count=len(delivery.attempts),
        series_start=series_start,
        last_response_code=delivery.last_response_code,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
        gsi1pk=delivery_status_key(delivery.webhook_id, delivery.status),
        gsi1sk=delivery.id,
        expires_at=datetime.fromtimestamp(
            delivery.created_at.timestamp() + DELIVERY_RETENTION_SECONDS, UTC
        ),
    )


def add_delivery(delivery: Delivery) -> bool:
    """Store a new delivery; False when one with its id is already stored (a fan-out run
    again makes the same ids), which is left as it is."""
    try:
        with storage_errors("delivery"):
            _item(delivery, 1).save(condition=DeliveryItem.pk.does_not_exist())
    except Conflict:
        return False
    return True


def get_delivery(webhook_id: str, delivery_id: str) -> tuple[Delivery, int] | None:
    """The delivery and the attempt number its current series started at (1, or the
    attempt a redelivery started); None when there is none."""
    if not looks_like_id(delivery_id):
        return None
    item = get_or_none(
        DeliveryItem, webhook_key(webhook_id), delivery_key(delivery_id), consistent=True
    )
    return None if item is None else (_to_delivery(item), int(item.series_start))


def list_deliveries(webhook_id: str, params: PageParams) -> tuple[list[Delivery], int, str | None]:
    """An endpoint's deliveries, newest first (ids sort by time): one Query and a count."""
    items, total, cursor = query_page(
        DeliveryItem,
        webhook_key(webhook_id),
        params,
        range_key_condition=DeliveryItem.sk.startswith(DELIVERY_PREFIX),
    )
    return [_to_delivery(item) for item in items], total, cursor


def save_delivery(before: Delivery, after: Delivery, series_start: int) -> Delivery:
    """Write `after` on condition that no attempt was recorded since `before` was read
    (LostRace if one was: another consumer got there first)."""
    with lost_race(), storage_errors("delivery"):
        _item(after, series_start).save(
            condition=DeliveryItem.attempt_count == len(before.attempts)
        )
    return after


def failed_since(webhook_id: str, since: datetime, limit: int) -> list[Delivery]:
    """Up to `limit` of the endpoint's failed deliveries made at or after `since`, oldest
    first: one Query on gsi1 from the first id `since` can have."""
    # Before 1970 is before any delivery: ULIDs start there.
    floor = str(ULID.from_int(max(0, int(since.timestamp() * 1000)) << 80))
    with storage_errors("deliveries"):
        found = list(
            DeliveryItem.by_status.query(
                delivery_status_key(webhook_id, "failed"),
                DeliveryItem.gsi1sk >= floor,
                limit=limit,
            )
        )
    return [_to_delivery(item) for item in found]
