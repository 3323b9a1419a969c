"""The fan-out of a domain event: find the team's endpoints subscribed to its type (two
Queries on the subscription index), store a delivery for each and queue its first attempt.

A delivery's id is made from the event and the endpoint (a ULID of the event's time with a
digest of both for its random part), so running the fan-out of an event again makes the
same deliveries, which are stored once; their first attempts are taken once per number.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from ulid import ULID

from shared import queues
from shared.ids import utcnow
from shared.webhooks import delivery, delivery_store, endpoint_store
from shared.webhooks.domain import Delivery


def delivery_id(event_id: str, webhook_id: str, at: datetime) -> str:
    digest = hashlib.sha256(f"{event_id}\n{webhook_id}".encode()).digest()[:10]
    return str(ULID.from_int((int(at.timestamp() * 1000) << 80) | int.from_bytes(digest)))


def body(event_type: str, at: datetime, data: dict[str, Any]) -> str:
    """What a receiver gets: `{type, timestamp, data}` (the bytes that are signed)."""
    return json.dumps(
        {"type": event_type, "timestamp": at.isoformat(), "data": data}, separators=(",", ":")
    )


def fan_out(event: dict[str, Any]) -> int:
    """Deliveries queued for one EventBridge event (the `bus-events` body)."""
    detail = event.get("detail") or {}
    team_id = detail.get("team_id")
    event_type = event.get("detail-type")
    if not team_id or not event_type:
        return 0
    webhook_ids = endpoint_store.subscribers(team_id, event_type)
    if not webhook_ids:
        return 0
    at = _time(event.get("time"))
    sent = body(event_type, at, detail)
    created = utcnow()
    bodies = []
    for webhook_id in webhook_ids:
        made = Delivery(
            id=delivery_id(event["id"], webhook_id, at),
            webhook_id=webhook_id,
            team_id=team_id,
            message_id=f"msg_{event['id']}",
            event_type=event_type,
            body=sent,
            status="pending",
            created_at=created,
        )
        delivery_store.add_delivery(made)
        bodies.append(delivery.message(made, 1))
    queues.send_many(delivery.QUEUE, bodies)
    return len(bodies)


def _time(value: str | None) -> datetime:
    if not value:
        return utcnow()
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
