"""Outbound webhooks for their team: endpoints (create with a secret shown once, read,
replace, delete, rotate the secret), a test delivery made now, deliveries and their
attempts, redelivery and recovery. The fan-out and the delivery consumer are
shared.webhooks.fanout and shared.webhooks.delivery."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared import queues
from shared.db.versioned import update_versioned
from shared.errors import NotFound, Unprocessable
from shared.ids import new_id, utcnow
from shared.pagination import PageParams
from shared.url_policy import check_url
from shared.webhooks import catalog, delivery, delivery_store, endpoint_store, signing
from shared.webhooks.domain import ALL_EVENTS, OLD_SECRET_SECONDS, Delivery, Secret, Webhook
from shared.webhooks.fanout import body

# At most this many failed deliveries are queued again by one `recover` (the rest: call
# it again with a later `since`).
MAX_RECOVER = 1000


def _events(events: list[str]) -> list[str]:
    """The subscription as stored: `*` alone, or known types without repeats."""
    wanted = list(dict.fromkeys(events))
    if ALL_EVENTS in wanted:
        if len(wanted) > 1:
            raise Unprocessable('"*" subscribes to every type: give it alone')
        return wanted
    unknown = [event for event in wanted if event not in catalog.TYPES]
    if unknown:
        known = ", ".join(event.type for event in catalog.EVENT_TYPES)
        raise Unprocessable(f"unknown event type(s) {', '.join(unknown)}; known types: {known}")
    if not wanted:
        raise Unprocessable('events must name at least one type, or "*"')
    return wanted


def _url(url: str) -> str:
    return check_url(url, strict=delivery.strict_urls(), field="url", allow_query=True)


def create_webhook(
    team_id: str, url: str, events: list[str], description: str | None, enabled: bool
) -> Webhook:
    """A new endpoint with a new secret (the answer is the only time it is shown)."""
    now = utcnow()
    webhook = Webhook(
        id=new_id(),
        team_id=team_id,
        url=_url(url),
        events=_events(events),
        description=description,
        enabled=enabled,
        secrets=[Secret(value=signing.new_secret())],
        created_at=now,
        updated_at=now,
    )
    return endpoint_store.create_webhook(webhook)


def get_webhook(team_id: str, webhook_id: str) -> Webhook:
    webhook = endpoint_store.get_webhook(team_id, webhook_id)
    if webhook is None:
        raise NotFound("webhook not found")
    return webhook


def list_webhooks(team_id: str, params: PageParams) -> tuple[list[Webhook], int, str | None]:
    return endpoint_store.list_webhooks(team_id, params)


def _current(team_id: str, webhook_id: str) -> Webhook:
    """The endpoint as stored now (a consistent read, to change it on its version)."""
    found = endpoint_store.get_webhook(team_id, webhook_id, consistent=True)
    if found is None:
        raise NotFound("webhook not found")
    return found


def _changed(team_id: str, webhook_id: str, change: dict[str, object]) -> Webhook:
    def write(current: Webhook) -> Webhook:
        update = {**change, "updated_at": utcnow()}
        if change.get("enabled") and not current.enabled:
            # Enabled again by a person: its failures so far no longer count.
            update |= {"disabled_reason": None, "failing_since": None}
        return endpoint_store.save_webhook(current, current.model_copy(update=update))

    return update_versioned(lambda: _current(team_id, webhook_id), write, what="webhook")


def replace_webhook(
    team_id: str,
    webhook_id: str,
    url: str,
    events: list[str],
    description: str | None,
    enabled: bool,
) -> Webhook:
    return _changed(
        team_id,
        webhook_id,
        {
            "url": _url(url),
            "events": _events(events),
            "description": description,
            "enabled": enabled,
        },
    )


def delete_webhook(team_id: str, webhook_id: str) -> None:
    endpoint_store.delete_webhook(team_id, webhook_id)


def rotate_secret(team_id: str, webhook_id: str) -> str:
    """A new current secret; the one it replaces signs beside it for 24 h, and any older
    one that has expired is dropped."""
    now = utcnow()
    fresh = signing.new_secret()

    def write(current: Webhook) -> Webhook:
        until = now + timedelta(seconds=OLD_SECRET_SECONDS)
        old = [
            s if s.expires_at else s.model_copy(update={"expires_at": until})
            for s in current.secrets
            if s.expires_at is None or s.expires_at > now
        ]
        update = {"secrets": [Secret(value=fresh), *old], "updated_at": now}
        return endpoint_store.save_webhook(current, current.model_copy(update=update))

    update_versioned(lambda: _current(team_id, webhook_id), write, what="webhook")
    return fresh


def send_test(team_id: str, webhook_id: str) -> Delivery:
    """A signed `webhook.test`, attempted now (once; redeliver to try again)."""
    webhook = get_webhook(team_id, webhook_id)
    now = utcnow()
    data = {"team_id": team_id, "webhook_id": webhook_id, "message": "a test from /webhooks"}
    made = Delivery(
        id=new_id(),
        webhook_id=webhook_id,
        team_id=team_id,
        message_id=f"msg_{new_id()}",
        event_type=catalog.TEST,
        body=body(catalog.TEST, now, data),
        status="pending",
        created_at=now,
    )
    delivery_store.add_delivery(made)
    return delivery.attempt(made, 1, webhook, retry=False)


def list_deliveries(
    team_id: str, webhook_id: str, params: PageParams
) -> tuple[list[Delivery], int, str | None]:
    get_webhook(team_id, webhook_id)
    return delivery_store.list_deliveries(webhook_id, params)


def get_delivery(team_id: str, webhook_id: str, delivery_id: str) -> Delivery:
    get_webhook(team_id, webhook_id)
    found = delivery_store.get_delivery(webhook_id, delivery_id)
    if found is None or found[0].team_id != team_id:
        raise NotFound("delivery not found")
    return found[0]


def redeliver(team_id: str, webhook_id: str, delivery_id: str) -> int:
    """Queue the delivery again, a new series of attempts on the schedule; how many (1)."""
    made = get_delivery(team_id, webhook_id, delivery_id)
    queues.send(delivery.QUEUE, delivery.message(made, len(made.attempts) + 1, redeliver=True))
    return 1


def recover(team_id: str, webhook_id: str, since: datetime) -> int:
    """Queue again every failed delivery of the endpoint made since `since` (at most
    MAX_RECOVER); how many were queued."""
    get_webhook(team_id, webhook_id)
    failed = delivery_store.failed_since(webhook_id, since, MAX_RECOVER)
    queues.send_many(
        delivery.QUEUE,
        [delivery.message(d, len(d.attempts) + 1, redeliver=True) for d in failed],
    )
    return len(failed)
