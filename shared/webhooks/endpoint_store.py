"""Endpoints' storage: the endpoint item and one subscription item per type it subscribes
to, always written together (keys in shared.webhooks.models); `Webhook` out."""

from __future__ import annotations

from datetime import datetime

from pynamodb.transactions import TransactWrite

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import query_page
from shared.db.transactions import transact
from shared.db.versioned import LostRace
from shared.errors import Conflict, NotFound
from shared.ids import looks_like_id
from shared.pagination import PageParams
from shared.webhooks.domain import ALL_EVENTS, Secret, Webhook
from shared.webhooks.models import (
    WEBHOOK_PREFIX,
    SubscriptionItem,
    WebhookItem,
    subscription_partition,
    webhook_key,
)

# Our ids are ULIDs: anything else is no endpoint of ours, answered without a request.


def _secrets_json(secrets: list[Secret]) -> list[dict[str, str | None]]:
    return [
        {"value": s.value, "expires_at": s.expires_at.isoformat() if s.expires_at else None}
        for s in secrets
    ]


def _to_webhook(item: WebhookItem) -> Webhook:
    return Webhook(
        id=item.webhook_id,
        team_id=item.team_id,
        url=item.url,
        events=[str(event) for event in item.events],
        description=item.description,
        enabled=item.enabled,
        secrets=[
            Secret(
                value=s["value"],
                expires_at=datetime.fromisoformat(s["expires_at"]) if s["expires_at"] else None,
            )
            for s in item.secrets
        ],
        disabled_reason=item.disabled_reason,
        failing_since=item.failing_since,
        last_success_at=item.last_success_at,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=item.version,
    )


def _item(webhook: Webhook) -> WebhookItem:
    item = WebhookItem(
        team_partition(webhook.team_id),
        webhook_key(webhook.id),
        team_id=webhook.team_id,
        webhook_id=webhook.id,
        url=webhook.url,
        events=webhook.events,
        description=webhook.description,
        enabled=webhook.enabled,
        secrets=_secrets_json(webhook.secrets),
        disabled_reason=webhook.disabled_reason,
        failing_since=webhook.failing_since,
        last_success_at=webhook.last_success_at,
        created_at=webhook.created_at,
        updated_at=webhook.updated_at,
    )
    if webhook.version is not None:  # written on the version read (none: a new endpoint)
        item.version = webhook.version
    return item


def _subscription(webhook: Webhook, event_type: str) -> SubscriptionItem:
    return SubscriptionItem(
        subscription_partition(webhook.team_id, event_type),
        webhook_key(webhook.id),
        team_id=webhook.team_id,
        webhook_id=webhook.id,
        enabled=webhook.enabled,
    )


def create_webhook(webhook: Webhook) -> Webhook:
    """Store the endpoint and its subscriptions in one transaction."""

    def write(transaction: TransactWrite) -> None:
        transaction.save(_item(webhook), condition=WebhookItem.pk.does_not_exist())
        for event_type in webhook.events:
            transaction.save(_subscription(webhook, event_type))

    if transact(write, what="webhook"):
        raise Conflict("a webhook with this id already exists; try again")
    return get_webhook(webhook.team_id, webhook.id, consistent=True) or webhook


def get_webhook(team_id: str, webhook_id: str, *, consistent: bool = False) -> Webhook | None:
    if not looks_like_id(webhook_id):
        return None
    item = get_or_none(
        WebhookItem, team_partition(team_id), webhook_key(webhook_id), consistent=consistent
    )
    return None if item is None else _to_webhook(item)


def list_webhooks(team_id: str, params: PageParams) -> tuple[list[Webhook], int, str | None]:
    """The team's endpoints, oldest first: one Query on the WEBHOOK# range (and a count)."""
    items, total, cursor = query_page(
        WebhookItem,
        team_partition(team_id),
        params,
        range_key_condition=WebhookItem.sk.startswith(WEBHOOK_PREFIX),
        newest_first=False,
    )
    return [_to_webhook(item) for item in items], total, cursor


def save_webhook(before: Webhook, after: Webhook) -> Webhook:
    """Write `after` on condition that the endpoint is still as `before` was read (LostRace
    if not), its subscriptions moved along in the same transaction."""

    def write(transaction: TransactWrite) -> None:
        transaction.save(_item(after))  # on the version read
        for event_type in set(before.events) - set(after.events):
            transaction.delete(
                SubscriptionItem(
                    subscription_partition(before.team_id, event_type), webhook_key(before.id)
                )
            )
        for event_type in after.events:
            transaction.save(_subscription(after, event_type))

    if transact(write, what="webhook"):  # only the endpoint's version is conditioned
        raise LostRace
    return after.model_copy(update={"version": (after.version or 0) + 1})


def delete_webhook(team_id: str, webhook_id: str) -> None:
    """Delete the endpoint and its subscriptions; NotFound when the team has none such.
    Its deliveries expire by TTL (nothing reads them without the endpoint)."""
    webhook = get_webhook(team_id, webhook_id, consistent=True)
    if webhook is None:
        raise NotFound("webhook not found")

    def write(transaction: TransactWrite) -> None:
        transaction.delete(_item(webhook))  # on the version read
        for event_type in webhook.events:
            transaction.delete(
                SubscriptionItem(
                    subscription_partition(team_id, event_type), webhook_key(webhook.id)
                )
            )

    if transact(write, what="webhook"):
        raise Conflict("the webhook was changed by another request; reload and retry")


def subscribers(team_id: str, event_type: str) -> list[str]:
    """The ids of the team's enabled endpoints subscribed to `event_type` (by name or by
    `*`): two Queries on the subscription partitions, never a Scan."""
    found: dict[str, None] = {}
    with storage_errors("subscriptions"):
        for subscribed in (event_type, ALL_EVENTS):
            for item in SubscriptionItem.query(subscription_partition(team_id, subscribed)):
                if item.enabled:
                    found[item.webhook_id] = None
    return list(found)
