"""Orders and payment settings as the services see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

# What an order buys: a product (for a customer), or an AI Market payment channel's
# balance (for a machine, shared.market).
OrderPurpose = Literal["product", "channel"]
OrderStatus = Literal["pending", "paid", "refunded", "failed", "expired"]
ProviderName = Literal["test", "stripe"]
# A checkout left unpaid is expired by the provider's event (Stripe: after 24 hours).
TERMINAL: tuple[OrderStatus, ...] = ("refunded", "failed", "expired")


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    team_id: str  # the seller
    purpose: OrderPurpose
    reference_id: str  # the product's id, or the AI Market channel's
    customer_id: str | None
    amount_cents: int
    currency: str
    description: str
    provider: ProviderName
    created_at: datetime
    status: OrderStatus = "pending"
    refunded_cents: int = 0
    checkout_id: str | None = None
    checkout_url: str | None = None
    paid_at: datetime | None = None
    payment_id: str | None = None  # the provider's payment (Stripe: the PaymentIntent)
    version: int | None = None


@dataclass(frozen=True, slots=True)
class PaymentSettings:
    """A team's payment provider: the built-in test provider until it sets Stripe's keys.
    Stripe's secret key is a secret of the team's vault, named here (its value is read
    when a call needs it, never stored here); its webhook signing secret is the secret of
    the payments source."""

    team_id: str
    provider: ProviderName
    source_id: str  # the inbound hook source its confirmations arrive on
    updated_at: datetime
    # The vault secret holding Stripe's secret key; kept after a switch back to the test
    # provider, so the team's Stripe orders can still be refunded.
    stripe_key_secret: str | None = None
    stripe_livemode: bool = False


@dataclass(frozen=True, slots=True)
class HostedCheckout:
    """A checkout on the built-in test provider's own page."""

    checkout_id: str
    order_id: str
    team_id: str
    amount_cents: int
    currency: str
    description: str
    status: Literal["open", "paid"]
    success_url: str
    cancel_url: str


@dataclass(frozen=True, slots=True)
class Checkout:
    """What a provider made for an order: its id and where the buyer pays."""

    checkout_id: str
    url: str
