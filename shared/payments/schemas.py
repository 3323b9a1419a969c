"""Payments' request and answer shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.errors import error_responses
from shared.numbers import JSON_NUMBER
from shared.payments.domain import Order, PaymentSettings

Url = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"^https?://\S+$")]
Cents = Annotated[float, Field(gt=0, le=10_000, multiple_of=0.01, allow_inf_nan=False), JSON_NUMBER]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class CheckoutBody(Strict):
    product_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    success_url: Url | None = Field(
        default=None, description="where the checkout sends the buyer once paid"
    )
    cancel_url: Url | None = Field(default=None, description="where a cancelled checkout goes")


class RefundBody(Strict):
    amount_usd: Cents | None = Field(
        default=None, description="part of the order; default: everything not refunded yet"
    )


class OrderPublic(BaseModel):
    id: str
    seller_id: str
    purpose: Literal["product", "channel"]
    reference_id: str = Field(description="the product (or AI Market channel) paid for")
    customer_id: str | None
    amount_usd: float
    currency: str
    description: str
    provider: Literal["test", "stripe"]
    status: Literal["pending", "paid", "refunded", "failed", "expired"]
    refunded_usd: float
    checkout_url: str | None = Field(description="where the buyer pays (the provider's page)")
    created_at: datetime
    paid_at: datetime | None


# `{{secrets.NAME}}`: a secret of the team's vault (shared.vault.domain.NAME_PATTERN).
VaultReference = Annotated[
    str,
    StringConstraints(pattern=r"^\{\{ ?secrets\.[A-Za-z][A-Za-z0-9_-]{0,99} ?\}\}$"),
]
WebhookSecret = Annotated[str, StringConstraints(pattern=r"^whsec_[A-Za-z0-9+/=_-]{8,200}$")]


class TestProviderBody(Strict):
    """The built-in test provider: no keys."""

    provider: Literal["test"]


class StripeProviderBody(Strict):
    provider: Literal["stripe"]
    secret_key: VaultReference | None = Field(
        default=None,
        description="Stripe: the vault secret holding your Stripe secret key (sk_... or a "
        "restricted rk_...), as {{secrets.NAME}} (make it with POST /secrets). Required "
        "the first time; its value must have a Stripe key's shape (422).",
    )
    webhook_secret: WebhookSecret | None = Field(
        default=None,
        description="Stripe: the signing secret of the webhook endpoint you made in Stripe "
        "for webhook_url (events checkout.session.completed, checkout.session.expired, "
        "checkout.session.async_payment_succeeded and _failed, charge.refunded). Required "
        "when switching to Stripe; only events it signs confirm a payment.",
    )


ProviderBody = Annotated[TestProviderBody | StripeProviderBody, Field(discriminator="provider")]


class PaymentProviderPublic(BaseModel):
    provider: Literal["test", "stripe"]
    source_id: str = Field(description="the inbound hook source the provider's events reach")
    webhook_url: str = Field(description="where the provider sends its signed events")
    stripe_secret_key: str | None = Field(
        description="the vault secret holding the Stripe key ({{secrets.NAME}}), kept after a "
        "switch back to the test provider so Stripe orders can still be refunded"
    )
    livemode: bool = Field(description="the Stripe key is a live one: real money moves")


class PaySubmitted(BaseModel):
    status: Literal["submitted"] = "submitted"
    order_id: str
    success_url: str


def provider_failures() -> dict[int | str, dict[str, Any]]:
    """The statuses a call through the seller's payment provider adds to a route."""
    answers = error_responses(502, 503)
    answers[502]["description"] = (
        "The payment provider failed, or refused the seller's key (Stripe): retry later"
    )
    answers[503]["description"] = "The payment provider is limiting requests: retry shortly"
    return answers


def provider_public(settings: PaymentSettings, webhook_url: str) -> PaymentProviderPublic:
    name = settings.stripe_key_secret
    return PaymentProviderPublic(
        provider=settings.provider,
        source_id=settings.source_id,
        webhook_url=webhook_url,
        stripe_secret_key=f"{{{{secrets.{name}}}}}" if name else None,
        livemode=settings.stripe_livemode,
    )


def order_public(order: Order) -> OrderPublic:
    return OrderPublic(
        id=order.id,
        seller_id=order.team_id,
        purpose=order.purpose,
        reference_id=order.reference_id,
        customer_id=order.customer_id,
        amount_usd=round(order.amount_cents / 100, 2),
        currency=order.currency,
        description=order.description,
        provider=order.provider,
        status=order.status,
        refunded_usd=round(order.refunded_cents / 100, 2),
        checkout_url=order.checkout_url if order.status == "pending" else None,
        created_at=order.created_at,
        paid_at=order.paid_at,
    )
