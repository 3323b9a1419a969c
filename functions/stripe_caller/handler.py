"""Lambda entry of the Stripe caller (invoked synchronously by the payments and AI Market
groups): wiring only. See shared/payments/stripe_calls.py."""

from shared.observability import lambda_entry
from shared.payments.stripe_calls import handle


def _handler(event: dict, context: object) -> dict:
    return handle(event)


handler = lambda_entry(_handler)
