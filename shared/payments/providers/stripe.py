"""Stripe's calls, with Stripe's own client (`stripe.StripeClient`, API v1): a hosted
Checkout Session per order, refunds on the order's PaymentIntent. Every call carries an
idempotency key, so a retried request makes one session or one refund at Stripe.

Only the stripe_caller worker runs this (shared.payments.stripe_calls): it alone reads the
seller's key and ships the stripe library (the payments layer), which would take the
groups that open checkouts past their size budget; they call it through
shared.payments.providers.via_worker.

Nothing here confirms a payment: Stripe says so by its signed webhook
(`checkout.session.completed`, `charge.refunded`) on the team's payments source, which the
inbound path verifies (shared.hooks.signatures) and the payments worker applies. The order's
id travels as the session's `client_reference_id` and in the metadata of the session, its
PaymentIntent (Stripe copies that onto the charge, so `charge.refunded` names the order too)
and the refund.

`stripe` is imported when a call is made, never with this module: a team on the test
provider does not pay its import (~160 ms) on a cold start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from shared.errors import Conflict, DomainError, ServiceUnavailable, Unprocessable
from shared.observability import logger
from shared.payments.domain import Checkout

if TYPE_CHECKING:
    from stripe import StripeClient

NAME: Final = "stripe"
# Stripe keeps idempotency keys up to 255 characters; a longer one of ours is hashed.
MAX_IDEMPOTENCY_KEY: Final = 255
# A product name on Stripe's page (its own limit is larger; ours is the order's text).
MAX_LINE_NAME: Final = 250
# Retries of a failed connection or a 5xx/409, with the same idempotency key (so safe), and
# each attempt's connect and read timeouts: three attempts and their backoff stay within
# API Gateway's 29 s.
NETWORK_RETRIES: Final = 2
TIMEOUTS: Final = (2.0, 6.0)
# What a secret key looks like: standard or restricted, test or live.
KEY_PREFIXES: Final = ("sk_test_", "sk_live_", "rk_test_", "rk_live_")


class StripeFailed(DomainError):
    """Stripe could not be reached or failed: the request may be retried as it was."""

    status_code = 502
    default_detail = "The payment provider failed"


@dataclass(frozen=True, slots=True)
class StripeCharge:
    """What Stripe is told of an order."""

    order_id: str
    team_id: str
    purpose: str
    amount_cents: int
    currency: str
    description: str
    payment_id: str | None  # the PaymentIntent, once paid


def key_problem(key: str) -> str | None:
    """Why `key` cannot be a Stripe secret key (None: it has the shape of one)."""
    if not key.startswith(KEY_PREFIXES) or len(key) < 20 or any(c.isspace() for c in key):
        return "a Stripe secret key starts with sk_test_, sk_live_, rk_test_ or rk_live_"
    return None


def is_live(key: str) -> bool:
    return key.startswith(("sk_live_", "rk_live_"))


def request_key(key: str) -> str:
    """`key` as Stripe takes an idempotency key (hashed when longer than it keeps)."""
    if len(key) <= MAX_IDEMPOTENCY_KEY:
        return key
    return "sha256-" + hashlib.sha256(key.encode()).hexdigest()


@contextmanager
def _stripe_errors(action: str, charge: StripeCharge) -> Iterator[None]:
    """Stripe's errors as ours: what the caller can fix is 4xx with Stripe's message (it
    names a parameter, never a secret); Stripe down, slow or refusing the key is 502/503."""
    import stripe

    try:
        yield
    except stripe.IdempotencyError as exc:
        raise Conflict(
            f"Stripe refused to {action}: the same request key was used with other values"
        ) from exc
    except stripe.InvalidRequestError as exc:
        raise Unprocessable(f"Stripe refused to {action}: {exc.user_message or exc}") from exc
    except stripe.AuthenticationError as exc:
        logger.warning("stripe refused the key", extra={"team_id": charge.team_id})
        raise StripeFailed(
            "Stripe refused the seller's secret key: the seller must set it again"
        ) from exc
    except stripe.PermissionError as exc:
        raise StripeFailed(f"the seller's Stripe key may not {action}") from exc
    except stripe.RateLimitError as exc:
        raise ServiceUnavailable("Stripe is limiting requests; try again shortly") from exc
    except stripe.StripeError as exc:
        logger.warning(
            "stripe failed",
            extra={"order_id": charge.order_id, "code": exc.code, "status": exc.http_status},
        )
        raise StripeFailed(f"Stripe could not {action}; try again") from exc


class StripeProvider:
    def __init__(self, secret_key: str, api_base: str) -> None:
        self._secret_key = secret_key
        self._api_base = api_base.rstrip("/")

    def _client(self) -> StripeClient:
        from stripe import RequestsClient, StripeClient

        return StripeClient(
            self._secret_key,
            base_addresses={"api": self._api_base},
            max_network_retries=NETWORK_RETRIES,
            http_client=RequestsClient(timeout=TIMEOUTS),
        )

    def create_checkout(
        self, charge: StripeCharge, *, success_url: str, cancel_url: str, idempotency_key: str
    ) -> Checkout:
        metadata = {"order_id": charge.order_id, "purpose": charge.purpose}
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": charge.order_id,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata, "description": charge.description},
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": charge.currency,
                        "unit_amount": charge.amount_cents,
                        "product_data": {"name": charge.description[:MAX_LINE_NAME]},
                    },
                }
            ],
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        with _stripe_errors("open a checkout", charge):
            session = self._client().v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]  # Stripe's TypedDict, built as a dict
                {"idempotency_key": request_key(idempotency_key)},
            )
        if not session.url:
            raise StripeFailed("Stripe opened a checkout without a page to pay on")
        return Checkout(session.id, session.url)

    def refund(self, charge: StripeCharge, *, amount_cents: int, idempotency_key: str) -> str:
        if not charge.payment_id:
            raise Conflict("Stripe has no payment recorded for this order")
        params: dict[str, Any] = {
            "payment_intent": charge.payment_id,
            "amount": amount_cents,
            "metadata": {"order_id": charge.order_id},
        }
        with _stripe_errors("refund", charge):
            refund = self._client().v1.refunds.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": request_key(idempotency_key)},
            )
        return str(refund.id)
