"""A delivery to one named endpoint of the team, outside the fan-out: a trigger's webhook
action, an approval's callback. Stored, then its first attempt queued on
`webhook-deliveries`, so it is signed, retried on its schedule and dead-lettered like
every other delivery. Its id comes from `key` and the endpoint, so the same delivery made
again is stored and sent once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared import queues
from shared.ids import utcnow
from shared.webhooks import delivery, delivery_store, endpoint_store
from shared.webhooks.domain import Delivery
from shared.webhooks.fanout import body, delivery_id


class Undeliverable(Exception):
    """The endpoint is gone or disabled: nothing was stored or sent."""


def deliver_to(
    team_id: str,
    webhook_id: str,
    event_type: str,
    data: dict[str, Any],
    *,
    key: str,
    at: datetime,
) -> Delivery:
    """Store and queue one delivery of `event_type` with `data` to the team's endpoint."""
    webhook = endpoint_store.get_webhook(team_id, webhook_id)
    if webhook is None:
        raise Undeliverable(f"webhook endpoint {webhook_id} not found")
    if not webhook.enabled:
        reason = f" ({webhook.disabled_reason})" if webhook.disabled_reason else ""
        raise Undeliverable(f"webhook endpoint {webhook.id} is disabled{reason}")
    made = Delivery(
        id=delivery_id(key, webhook.id, at),
        webhook_id=webhook.id,
        team_id=team_id,
        message_id=f"msg_{key}",
        event_type=event_type,
        body=body(event_type, at, data),
        status="pending",
        created_at=utcnow(),
    )
    # Queuing the first attempt again is harmless: an attempt's number is taken once.
    delivery_store.add_delivery(made)
    queues.send(delivery.QUEUE, delivery.message(made, 1))
    return made
