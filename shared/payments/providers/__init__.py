"""The payment provider interface: what the payments service asks of a processor. Every
call carries an idempotency key, so a retried request never charges or refunds twice; the
outcome of a payment is never answered here: it arrives as the provider's signed event."""

from __future__ import annotations

from typing import Protocol

from shared.payments.domain import Checkout, Order


class PaymentProvider(Protocol):
    name: str

    def create_checkout(
        self, order: Order, *, success_url: str, cancel_url: str, idempotency_key: str
    ) -> Checkout: ...

    def refund(self, order: Order, *, amount_cents: int, idempotency_key: str) -> str:
        """Ask for a refund of `amount_cents` of the order's payment; the refund's id."""
        ...
