"""Stripe as the groups see it: a payment provider whose calls are made by the
stripe_caller worker (shared.invoke), which alone reads the seller's key and ships the
stripe library. Its refusals come back as the statuses they mean."""

from __future__ import annotations

from typing import Any, Final

from shared.errors import (
    Conflict,
    DomainError,
    NotFound,
    ServiceUnavailable,
    Unprocessable,
)
from shared.invoke import InvocationFailed, invoke_worker
from shared.payments.domain import Checkout, Order
from shared.payments.providers.stripe import StripeFailed

WORKER: Final = "stripe_caller"
# The worker's own timeout (three attempts at Stripe within it) and its start.
INVOKE_SECONDS: Final = 32.0
_ERRORS: Final[dict[int, type[DomainError]]] = {
    404: NotFound,
    409: Conflict,
    422: Unprocessable,
    503: ServiceUnavailable,
}


def _call(payload: dict[str, Any]) -> dict[str, Any]:
    try:
        answer = invoke_worker(WORKER, payload, timeout_seconds=INVOKE_SECONDS)
    except InvocationFailed as exc:
        raise ServiceUnavailable("the payment provider's caller did not answer; retry") from exc
    if answer.get("status") == "ok":
        return answer
    error = _ERRORS.get(int(answer.get("code") or 502), StripeFailed)
    raise error(str(answer.get("detail") or "the payment provider failed"))


def check_key(team_id: str, key_secret: str) -> bool:
    """Whether the vault secret `key_secret` holds a live key; Unprocessable when it is
    missing or not shaped as a Stripe key."""
    answer = _call({"action": "check", "team_id": team_id, "key_secret": key_secret})
    return bool(answer.get("livemode"))


def _charge(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "team_id": order.team_id,
        "purpose": order.purpose,
        "amount_cents": order.amount_cents,
        "currency": order.currency,
        "description": order.description,
        "payment_id": order.payment_id,
    }


class StripeViaWorker:
    name = "stripe"

    def __init__(self, team_id: str, key_secret: str) -> None:
        self._base = {"team_id": team_id, "key_secret": key_secret}

    def create_checkout(
        self, order: Order, *, success_url: str, cancel_url: str, idempotency_key: str
    ) -> Checkout:
        answer = _call(
            {
                **self._base,
                "action": "checkout",
                "charge": _charge(order),
                "success_url": success_url,
                "cancel_url": cancel_url,
                "idempotency_key": idempotency_key,
            }
        )
        return Checkout(str(answer["checkout_id"]), str(answer["url"]))

    def refund(self, order: Order, *, amount_cents: int, idempotency_key: str) -> str:
        answer = _call(
            {
                **self._base,
                "action": "refund",
                "charge": _charge(order),
                "amount_cents": amount_cents,
                "idempotency_key": idempotency_key,
            }
        )
        return str(answer["refund_id"])
