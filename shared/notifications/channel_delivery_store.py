"""Channel deliveries' storage: one item per delivery under its channel (`CHANNEL#<id>` /
`DELIVERY#<id>`), kept 30 days (TTL); each attempt written on condition that it is the
next one; `ChannelDelivery` out."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.db.base import get_or_none, storage_errors
from shared.db.versioned import lost_race
from shared.errors import Conflict
from shared.ids import looks_like_id
from shared.notifications.channel_domain import (
    DELIVERY_RETENTION_SECONDS,
    Attempt,
    ChannelDelivery,
    Notification,
    Recipient,
)
from shared.notifications.channel_models import ChannelDeliveryItem, channel_key, delivery_key


def _to_delivery(item: ChannelDeliveryItem) -> ChannelDelivery:
    return ChannelDelivery(
        id=item.delivery_id,
        team_id=item.team_id,
        channel_id=item.channel_id,
        notification=Notification.model_validate(item.notification),
        recipients=[Recipient.model_validate(r) for r in item.recipients or []],
        test=bool(item.test),
        status=item.status,  # type: ignore[arg-type]  # written from a DeliveryStatus
        attempts=[Attempt.model_validate(a) for a in item.attempts or []],
        next_attempt_at=item.next_attempt_at,
        created_at=item.created_at,
    )


def _item(delivery: ChannelDelivery, series_start: int) -> ChannelDeliveryItem:
    return ChannelDeliveryItem(
        channel_key(delivery.channel_id),
        delivery_key(delivery.id),
        team_id=delivery.team_id,
        channel_id=delivery.channel_id,
        delivery_id=delivery.id,
        notification=delivery.notification.model_dump(mode="json"),
        recipients=[r.model_dump(mode="json") for r in delivery.recipients],
        test=delivery.test,
        status=delivery.status,
        attempts=[a.model_dump(mode="json") for a in delivery.attempts],
        attempt_count=len(delivery.attempts),
        series_start=series_start,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
        expires_at=datetime.fromtimestamp(
            delivery.created_at.timestamp() + DELIVERY_RETENTION_SECONDS, UTC
        ),
    )


def add_delivery(delivery: ChannelDelivery) -> bool:
    """Store a new delivery; False when one with its id is already stored (a message
    received again), which is left as it is."""
    try:
        with storage_errors("delivery"):
            _item(delivery, 1).save(condition=ChannelDeliveryItem.pk.does_not_exist())
    except Conflict:
        return False
    return True


def get_delivery(channel_id: str, delivery_id: str) -> tuple[ChannelDelivery, int] | None:
    """The delivery and the attempt number its current series started at; None if none."""
    if not looks_like_id(channel_id) or not looks_like_id(delivery_id):
        return None
    item = get_or_none(
        ChannelDeliveryItem, channel_key(channel_id), delivery_key(delivery_id), consistent=True
    )
    return None if item is None else (_to_delivery(item), int(item.series_start))


def save_delivery(
    before: ChannelDelivery, after: ChannelDelivery, series_start: int
) -> ChannelDelivery:
    """Write `after` on condition that no attempt was recorded since `before` was read
    (LostRace if one was: another consumer got there first)."""
    with lost_race(), storage_errors("delivery"):
        _item(after, series_start).save(
            condition=ChannelDeliveryItem.attempt_count == len(before.attempts)
        )
    return after
