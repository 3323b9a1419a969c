"""The stripe_caller worker's work: one call to Stripe per invocation, with the seller's
secret key read from its vault here and nowhere else.

    {"action": "check", "team_id", "key_secret"}
        -> {"status": "ok", "livemode": bool}   the key has a Stripe key's shape
    {"action": "checkout", "team_id", "key_secret", "charge", "success_url", "cancel_url",
     "idempotency_key"}
        -> {"status": "ok", "checkout_id", "url"}
    {"action": "refund", "team_id", "key_secret", "charge", "amount_cents", "idempotency_key"}
        -> {"status": "ok", "refund_id"}

A refusal is an answer, not an error: {"status": "failed", "code": <HTTP status>,
"detail": ...}, which the group raises as that status (shared.payments.providers.via_worker).
"""

from __future__ import annotations

from typing import Any

from shared.errors import DomainError, Unprocessable
from shared.payments.providers.stripe import StripeCharge, StripeProvider, is_live, key_problem
from shared.settings import get_settings


def _failed(code: int, detail: str) -> dict[str, Any]:
    return {"status": "failed", "code": code, "detail": detail}


def handle(event: dict[str, Any]) -> dict[str, Any]:
    from shared.vault.references import value_of

    action = event.get("action")
    name = str(event.get("key_secret") or "")
    try:
        key = value_of(str(event["team_id"]), name)
    except Unprocessable:
        return _failed(422, f"the vault has no secret {name}")
    if action == "check":
        if problem := key_problem(key):
            return _failed(422, f"the secret {name} is not a Stripe key: {problem}")
        return {"status": "ok", "livemode": is_live(key)}
    provider = StripeProvider(key, get_settings().stripe_api_base)
    charge = StripeCharge(**event["charge"])
    try:
        if action == "checkout":
            checkout = provider.create_checkout(
                charge,
                success_url=str(event["success_url"]),
                cancel_url=str(event["cancel_url"]),
                idempotency_key=str(event["idempotency_key"]),
            )
            return {"status": "ok", "checkout_id": checkout.checkout_id, "url": checkout.url}
        if action == "refund":
            refund_id = provider.refund(
                charge,
                amount_cents=int(event["amount_cents"]),
                idempotency_key=str(event["idempotency_key"]),
            )
            return {"status": "ok", "refund_id": refund_id}
    except DomainError as exc:
        return _failed(exc.status_code, str(exc.detail))
    return _failed(400, f"no such action: {action!r}")
