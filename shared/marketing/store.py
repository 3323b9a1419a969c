"""Subscriptions' storage (keys in shared.marketing.models): domain objects in and out.

DynamoDB per call:
  get, token_target    one GetItem
  save                 one TransactWriteItems: the subscription (on the version read), its
                       token items made and dropped, the scope's counters
  counts               one GetItem
  confirmed_page       one Query of the scope's E# items (confirmed ones kept), no count
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Literal

from pynamodb.transactions import TransactWrite

from shared.db.base import counts_of, get_or_none
from shared.db.query import prefix_page
from shared.db.transactions import transact
from shared.errors import Conflict
from shared.marketing.domain import SubscriberCounts, Subscription
from shared.marketing.models import (
    COUNTS_SORT,
    EMAIL_PREFIX,
    TOKEN_SORT,
    SubscriberCountItem,
    SubscriptionItem,
    SubscriptionTokenItem,
    email_sort,
    scope_partition,
    token_partition,
)
from shared.pagination import PageParams

TokenPurpose = Literal["confirm", "unsubscribe"]


def _to_subscription(item: SubscriptionItem) -> Subscription:
    return Subscription(
        scope=item.scope,
        email=item.email,
        team_id=item.team_id,
        status=item.status,  # type: ignore[arg-type]  # written from a SubscriptionStatus
        created_at=item.created_at,
        updated_at=item.updated_at,
        confirm_digest=item.confirm_digest,
        unsubscribe_digest=item.unsubscribe_digest,
        confirm_expires_at=item.confirm_expires_at,
        confirmed_at=item.confirmed_at,
        version=item.version,
    )


def _item(subscription: Subscription) -> SubscriptionItem:
    item = SubscriptionItem(
        scope_partition(subscription.scope),
        email_sort(subscription.email),
        team_id=subscription.team_id,
        scope=subscription.scope,
        email=subscription.email,
        status=subscription.status,
        confirm_digest=subscription.confirm_digest,
        unsubscribe_digest=subscription.unsubscribe_digest,
        confirm_expires_at=subscription.confirm_expires_at,
        confirmed_at=subscription.confirmed_at,
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
    )
    if subscription.version is not None:
        item.version = subscription.version
    return item


def _counted(subscription: Subscription | None) -> Counter[str]:
    if subscription is None or subscription.status == "unsubscribed":
        return Counter()
    return Counter({subscription.status: 1})


def get(scope: str, email: str) -> Subscription | None:
    item = get_or_none(SubscriptionItem, scope_partition(scope), email_sort(email), consistent=True)
    return None if item is None else _to_subscription(item)


def token_target(digest: str) -> tuple[Subscription, TokenPurpose] | None:
    """The subscription a token's digest is for, and what the token does."""
    token = get_or_none(SubscriptionTokenItem, token_partition(digest), TOKEN_SORT)
    if token is None:
        return None
    found = get(token.scope, token.email)
    purpose: TokenPurpose = "unsubscribe" if token.purpose == "unsubscribe" else "confirm"
    return None if found is None else (found, purpose)


def save(old: Subscription | None, new: Subscription) -> Subscription:
    """`old` (as read; None: a new subscription) becomes `new`: a token whose digest
    changed is replaced by the new one, and the counters follow the status."""

    def tokens(subscription: Subscription | None) -> dict[str, TokenPurpose]:
        if subscription is None:
            return {}
        found: dict[str, TokenPurpose] = {subscription.unsubscribe_digest: "unsubscribe"}
        if subscription.confirm_digest is not None:
            found[subscription.confirm_digest] = "confirm"
        return found

    def write(transaction: TransactWrite) -> None:
        if old is None:
            transaction.save(_item(new), condition=SubscriptionItem.pk.does_not_exist())
        else:
            transaction.save(_item(new))  # on the version read
        before, after = tokens(old), tokens(new)
        for digest in before.keys() - after.keys():
            transaction.delete(
                SubscriptionTokenItem(token_partition(digest), TOKEN_SORT),
                add_version_condition=False,
            )
        for digest in after.keys() - before.keys():
            transaction.save(
                SubscriptionTokenItem(
                    token_partition(digest),
                    TOKEN_SORT,
                    team_id=new.team_id,
                    scope=new.scope,
                    email=new.email,
                    purpose=after[digest],
                ),
                condition=SubscriptionTokenItem.pk.does_not_exist(),
            )
        deltas = _counted(new)
        deltas.subtract(_counted(old))
        actions = [
            getattr(SubscriberCountItem, name).add(delta)
            for name, delta in sorted(deltas.items())
            if delta
        ]
        if actions:
            transaction.update(
                SubscriberCountItem(scope_partition(new.scope), COUNTS_SORT),
                actions=[*actions, SubscriberCountItem.team_id.set(new.team_id)],
                add_version_condition=False,
            )

    if transact(write, what="subscription"):
        raise Conflict("the subscription changed meanwhile: send it again")
    return replace(new, version=(old.version or 0) + 1 if old else 1)


def counts(scope: str) -> SubscriberCounts:
    found = counts_of(
        SubscriberCountItem, scope_partition(scope), COUNTS_SORT, ("pending", "confirmed")
    )
    return SubscriberCounts(scope, found["pending"], found["confirmed"])


def confirmed_page(scope: str, params: PageParams) -> tuple[list[Subscription], str | None]:
    """The scope's confirmed subscriptions, by address."""
    items, cursor = prefix_page(
        SubscriptionItem,
        scope_partition(scope),
        EMAIL_PREFIX,
        params,
        newest_first=False,
        filter_condition=SubscriptionItem.status == "confirmed",
    )
    return [_to_subscription(item) for item in items], cursor
