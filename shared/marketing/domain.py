"""What the marketing code hands around: a subscription to a product's updates (or to the
storefront's), confirmed by its address before it counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

SubscriptionStatus = Literal["pending", "confirmed", "unsubscribed"]
# A subscription without a product: the storefront's own news (no seller).
STOREFRONT: Final = "storefront"
NO_SELLER: Final = "-"
# A confirmation link is good for two days; an unsubscribe token as long as the record.
CONFIRM_SECONDS: Final = 2 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Subscription:
    """`email` (lower-cased) wants the updates of `scope`: a product's id, or STOREFRONT.
    `team_id` is the product's seller (NO_SELLER for the storefront)."""

    scope: str
    email: str
    team_id: str
    status: SubscriptionStatus
    created_at: datetime
    updated_at: datetime
    confirm_digest: str | None  # None once confirmed: the link is spent
    unsubscribe_digest: str
    confirm_expires_at: datetime
    confirmed_at: datetime | None = None
    version: int | None = None


@dataclass(frozen=True, slots=True)
class SubscriberCounts:
    scope: str
    pending: int
    confirmed: int
