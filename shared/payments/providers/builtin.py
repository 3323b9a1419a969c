"""The built-in test provider: a payment processor that needs no network, as the built-in
template generator is a model that needs none. Its hosted checkout page is ours
(`/payment/test-checkout/{id}`); paying there with a test card makes it do what Stripe
does: send a Stripe-shaped event, signed with the team's payments source secret, through
the same inbound hooks path Stripe's webhook takes. So an order is paid by exactly the path
a real one is, and nothing the buyer's client says confirms anything.

Test cards, as Stripe's: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from shared.ids import new_id
from shared.payments import store
from shared.payments.domain import Checkout, Order

PAYING_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
NAME = "test"


class CardDeclined(Exception):
    """The test card says no, as a processor would before any event."""


class BuiltInProvider:
    name = NAME

    def __init__(self, base_url: str, deliver: Callable[[bytes], None]) -> None:
        self.base_url = base_url.rstrip("/")
        # Sends one of our events, signed, to the team's payments source: the processor's
        # webhook (shared.payments.service delivers it through shared.hooks.inbound).
        self.deliver = deliver

    def create_checkout(
        self, order: Order, *, success_url: str, cancel_url: str, idempotency_key: str
    ) -> Checkout:
        checkout_id = store.open_test_checkout(
            f"cs_test_{new_id()}",
            order,
            idempotency_key=idempotency_key,
            success_url=success_url,
            cancel_url=cancel_url,
        )
        return Checkout(checkout_id, f"{self.base_url}/api/v1/payment/test-checkout/{checkout_id}")

    def refund(self, order: Order, *, amount_cents: int, idempotency_key: str) -> str:
        refund_id = store.claim_test_call(idempotency_key, order.team_id, f"re_test_{new_id()}")
        # A processor refunds at once and says so by its webhook, as Stripe does.
        self.deliver(charge_refunded(order, order.refunded_cents + amount_cents, refund_id))
        return refund_id


def _event(event_type: str, data_object: dict[str, Any], event_id: str) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": data_object},
        },
        separators=(",", ":"),
    ).encode()


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """Stripe's signature header: `t=<unix>,v1=<hex HMAC-SHA256(secret, t.body)>`."""
    stamp = str(int(time.time() if now is None else now))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"stripe-signature": f"t={stamp},v1={digest}", "content-type": "application/json"}


def checkout_completed(order: Order, checkout_id: str) -> bytes:
    """The event Stripe sends when a checkout session is paid (the fields we read)."""
    return _event(
        "checkout.session.completed",
        {
            "id": checkout_id,
            "object": "checkout.session",
            "client_reference_id": order.id,
            "payment_status": "paid",
            "payment_intent": f"pi_test_{order.id}",
            "amount_total": order.amount_cents,
            "currency": order.currency,
            "metadata": {"order_id": order.id},
        },
        f"evt_{checkout_id}",  # one event per checkout, however often it is sent
    )


def charge_refunded(order: Order, amount_refunded_cents: int, refund_id: str) -> bytes:
    """The event Stripe sends when a charge is refunded (amount_refunded is cumulative);
    its id follows the refund, so a repeated refund call sends the same event."""
    return _event(
        "charge.refunded",
        {
            "id": f"ch_test_{order.id}",
            "object": "charge",
            "payment_intent": order.payment_id or f"pi_test_{order.id}",
            "amount": order.amount_cents,
            "amount_refunded": amount_refunded_cents,
            "currency": order.currency,
            "metadata": {"order_id": order.id},
        },
        f"evt_test_{refund_id}",
    )
