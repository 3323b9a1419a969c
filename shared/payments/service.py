"""Payments' rules: checkout of a product through the seller's
provider, refunds, and the provider's confirmations, which alone move an order to paid or
refunded and grant or take back what it bought."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from shared.dashboard.live import announce
from shared.errors import Conflict, NotFound, PaymentRequired, Unprocessable
from shared.ids import new_id, utcnow
from shared.observability import logger
from shared.pagination import PageParams
from shared.payments import store
from shared.payments.domain import (
    HostedCheckout,
    Order,
    OrderPurpose,
    OrderStatus,
    PaymentSettings,
    ProviderName,
)
from shared.payments.providers import PaymentProvider
from shared.payments.providers.builtin import (
    DECLINED_CARD,
    PAYING_CARD,
    BuiltInProvider,
    checkout_completed,
    signed_headers,
)
from shared.payments.providers.stripe import StripeFailed
from shared.payments.providers.via_worker import StripeViaWorker, check_key

SOURCE_NAME = "Payments"
# Where a hosted checkout sends the buyer back when the caller names no page of its own.
DEFAULT_RETURN_PATH = "/api/v1/customer/orders/{order_id}"


def team_settings(team_id: str) -> PaymentSettings:
    """The team's payment settings, made on first use: the built-in test provider and the
    inbound hook source (scheme stripe) its confirmations arrive on."""
    found = store.get_settings(team_id)
    if found is not None:
        return found
    from shared.hooks import service as hooks

    source = hooks.create_source(team_id, SOURCE_NAME, "stripe", None, None, purpose="payments")
    made = PaymentSettings(team_id, "test", source.id, utcnow())
    if store.put_settings(made, only_if_new=True):
        return made
    hooks.delete_source(team_id, source.id)  # another request made them first
    settled = store.get_settings(team_id)
    if settled is None:
        raise Conflict("the payment settings changed meanwhile; try again")
    return settled


def _deliver(settings: PaymentSettings, address: str, body: bytes) -> None:
    """What the processor's webhook does: the event, signed with the source's secret,
    accepted by the inbound path (verified, deduplicated, queued) as Stripe's would be."""
    from shared.hooks import inbound, source_store

    source = source_store.lookup(settings.source_id)
    if source is None:
        raise Conflict("the team's payments source was deleted; set the provider again")
    inbound.accept(settings.source_id, signed_headers(source.secret, body), body, address)


def provider_for(
    provider: ProviderName, settings: PaymentSettings, base_url: str, address: str
) -> PaymentProvider:
    """The team's `provider`: the one its settings name for a new checkout, the one an
    order was paid with for its refund."""
    if provider == "stripe":
        if settings.stripe_key_secret is None:
            raise StripeFailed("the seller has no Stripe key set")
        return StripeViaWorker(settings.team_id, settings.stripe_key_secret)
    return BuiltInProvider(base_url, partial(_deliver, settings, address))


def set_provider(
    team_id: str,
    provider: ProviderName,
    *,
    stripe_key_secret: str | None,
    webhook_secret: str | None,
) -> PaymentSettings:
    """Choose the team's provider. Stripe needs the vault secret holding its secret key (its
    shape checked now, by the worker that alone reads it) and, the first time, the signing
    secret of the webhook endpoint made for the source's URL: it becomes the source's
    secret, so only Stripe's signed events confirm anything. Back to the test provider,
    the key's name is kept: orders paid through Stripe are still refunded through it."""
    from shared.hooks import source_store

    current = team_settings(team_id)
    if provider == "test":
        changed = replace(current, provider="test", updated_at=utcnow())
    else:
        name = stripe_key_secret or current.stripe_key_secret
        if name is None:
            raise Unprocessable(
                "Stripe needs secret_key: the vault secret holding your Stripe secret key, "
                "as {{secrets.NAME}}"
            )
        # A key named before came with the endpoint's secret, which the source still has.
        if webhook_secret is None and current.stripe_key_secret is None:
            raise Unprocessable(
                "Stripe needs webhook_secret: the signing secret (whsec_...) of the webhook "
                "endpoint you made in Stripe for this team's webhook_url"
            )
        livemode = check_key(team_id, name)  # the stripe_caller reads it, not this group
        if webhook_secret is not None:
            source_store.set_secret(team_id, current.source_id, webhook_secret)
        changed = replace(
            current,
            provider="stripe",
            stripe_key_secret=name,
            stripe_livemode=livemode,
            updated_at=utcnow(),
        )
    store.put_settings(changed)
    logger.info("payment provider set", extra={"team_id": team_id, "provider": provider})
    return changed


def start_checkout(
    *,
    team_id: str,
    purpose: OrderPurpose,
    reference_id: str,
    amount_cents: int,
    currency: str,
    customer_id: str | None,
    description: str,
    success_url: str | None,
    cancel_url: str | None,
    base_url: str = "",
    address: str = "",
) -> Order:
    """A pending order and its hosted checkout at the seller's provider, asked with the
    order's own idempotency key: a retried provider call makes one checkout for the order,
    and another order, even of the same buyer and product, gets its own."""
    if amount_cents <= 0:
        raise Unprocessable("nothing to pay: the amount is zero")
    settings = team_settings(team_id)
    order = store.create_order(
        Order(
            id=new_id(),
            team_id=team_id,
            purpose=purpose,
            reference_id=reference_id,
            customer_id=customer_id,
            amount_cents=amount_cents,
            currency=currency,
            description=description,
            provider=settings.provider,
            created_at=utcnow(),
        )
    )
    back = base_url.rstrip("/") + DEFAULT_RETURN_PATH.format(order_id=order.id)
    checkout = provider_for(settings.provider, settings, base_url, address).create_checkout(
        order,
        success_url=success_url or back,
        cancel_url=cancel_url or back,
        idempotency_key=f"checkout-{order.id}",
    )
    return store.save_order(
        order, replace(order, checkout_id=checkout.checkout_id, checkout_url=checkout.url)
    )


def team_order(team_id: str, order_id: str) -> Order:
    """One of the team's orders as a seller; another team's is 404, as if it did not exist."""
    order = store.get_order(order_id)
    if order is None or order.team_id != team_id:
        raise NotFound("no such order")
    return order


def customer_order(customer_id: str, order_id: str) -> Order:
    """One of the customer's orders; anyone else's is 404."""
    order = store.get_order(order_id)
    if order is None or order.customer_id != customer_id:
        raise NotFound("no such order")
    return order


def team_orders(
    team_id: str, params: PageParams, *, status: OrderStatus | None = None
) -> tuple[list[Order], int, str | None]:
    return store.list_team_orders(team_id, params, status=status)


def hosted_checkout(checkout_id: str) -> HostedCheckout:
    checkout = store.test_checkout(checkout_id)
    if checkout is None:
        raise NotFound("no such checkout")
    return checkout


def refund(
    order: Order,
    *,
    amount_cents: int,
    idempotency_key: str,
    actor: str,
    base_url: str = "",
    address: str = "",
) -> Order:
    """Ask the provider to refund part or all of a paid order; the order becomes refunded
    when the provider's event says so (the answer is the order as it stands)."""
    if order.status != "paid":
        raise Conflict(f"only a paid order can be refunded (this one is {order.status})")
    refundable = order.amount_cents - order.refunded_cents
    if not 0 < amount_cents <= refundable:
        raise Unprocessable(f"at most {refundable / 100:.2f} can be refunded")
    logger.info("refund asked", extra={"order_id": order.id, "actor": actor})
    settings = team_settings(order.team_id)
    provider_for(order.provider, settings, base_url, address).refund(
        order, amount_cents=amount_cents, idempotency_key=f"refund-{idempotency_key}"
    )
    return store.get_order(order.id) or order


def pay_test_checkout(checkout_id: str, card_number: str, address: str) -> HostedCheckout:
    """The built-in provider's hosted page, paid with a test card: the signed
    checkout.session.completed goes to the seller's payments source. The order is paid
    when the payments worker applies that event, not here."""
    checkout = hosted_checkout(checkout_id)
    order = store.get_order(checkout.order_id)
    if order is None:
        raise NotFound("no such checkout")
    number = "".join(card_number.split())
    if number == DECLINED_CARD:
        raise PaymentRequired("Your card was declined (test card 4000 0000 0000 0002)")
    if number != PAYING_CARD:
        raise Unprocessable("a test checkout takes test cards: 4242 4242 4242 4242 pays")
    if checkout.status == "open":
        # Sent before the checkout is marked paid: a failure leaves it open to pay again,
        # and a second send of its one event id is a duplicate the inbound path drops.
        _deliver(team_settings(order.team_id), address, checkout_completed(order, checkout_id))
        store.mark_test_checkout_paid(checkout_id)
    return checkout


# Confirmations: the provider's events, as the payments worker hands them over.


def _object(event: dict[str, Any]) -> dict[str, Any]:
    data = event.get("data")
    found = data.get("object") if isinstance(data, dict) else None
    return found if isinstance(found, dict) else {}


def _order_of(event_object: dict[str, Any], team_id: str) -> Order | None:
    metadata = event_object.get("metadata")
    order_id = (metadata or {}).get("order_id") if isinstance(metadata, dict) else None
    order_id = order_id or event_object.get("client_reference_id")
    order = store.get_order(str(order_id)) if order_id else None
    # An event on one team's source can only move that team's orders.
    return order if order is not None and order.team_id == team_id else None


def apply_event(team_id: str, event: dict[str, Any]) -> Order | None:
    """Apply one verified provider event of the team's payments source: the order it
    moved, or None (not an order's, or nothing to change). Idempotent: applying it again
    changes nothing. A moved order changes the seller's dashboard figures."""
    moved = _apply(team_id, event)
    if moved is not None:
        announce(team_id)
    return moved


def _apply(team_id: str, event: dict[str, Any]) -> Order | None:
    kind = event.get("type")
    event_object = _object(event)
    order = _order_of(event_object, team_id)
    if order is None:
        return None
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        # A delayed method (a bank debit) completes the session unpaid, then succeeds.
        return _paid(order, event_object)
    if kind == "checkout.session.async_payment_failed" and order.status == "pending":
        return store.save_order(order, replace(order, status="failed"))
    if kind == "checkout.session.expired" and order.status == "pending":
        return store.save_order(order, replace(order, status="expired"))
    if kind == "charge.refunded":
        return _refunded(order, event_object)
    return None


def _paid(order: Order, session: dict[str, Any]) -> Order | None:
    if order.status != "pending" or session.get("payment_status") != "paid":
        return _fulfil(order) if order.status == "paid" else None  # a redelivery: fulfil again
    if int(session.get("amount_total") or 0) != order.amount_cents:
        logger.error("a paid amount differs from its order", extra={"order_id": order.id})
        return store.save_order(order, replace(order, status="failed"))
    paid = store.save_order(
        order,
        replace(
            order,
            status="paid",
            paid_at=utcnow(),
            payment_id=str(session.get("payment_intent") or "") or None,
        ),
        paid_cents=order.amount_cents,
    )
    return _fulfil(paid)


def _fulfil(order: Order) -> Order:
    """What the order bought (idempotent on the other side too): a customer's entitlement,
    or an AI Market channel's balance."""
    if order.purpose == "channel":
        from shared.market.service import fund_for_order

        fund_for_order(order)
        return order
    from shared.customers.entitlements import grant_for_order

    grant_for_order(order)
    return order


def _refunded(order: Order, charge: dict[str, Any]) -> Order | None:
    total = min(int(charge.get("amount_refunded") or 0), order.amount_cents)
    if total <= order.refunded_cents:
        return None  # an event already applied, or an older one
    full = total >= order.amount_cents
    moved = store.save_order(
        order,
        replace(order, refunded_cents=total, status="refunded" if full else order.status),
        refunded_cents=total - order.refunded_cents,
    )
    if full and moved.purpose == "channel":
        from shared.market.service import refunded_order

        refunded_order(moved)
    elif full:
        from shared.customers.entitlements import revoke_for_order

        revoke_for_order(moved)
    return moved
