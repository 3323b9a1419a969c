"""Payments: a customer's checkout of a product, the seller's orders and refunds, the
payment provider's settings (the built-in test provider or Stripe), and the built-in test
provider's hosted page. HTTP shapes only; the rules are shared.payments'. No route here
marks an order paid: only the provider's signed event does (the payment_events worker)."""

from __future__ import annotations

import html
from functools import partial
from typing import Annotated, Any

from fastapi import Form, Header, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from shared.app_factory import API_V1, create_app, group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.customers.auth import CurrentCustomer
from shared.errors import error_responses
from shared.idempotency import run_once
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.payments import service
from shared.payments.checkout import checkout_product
from shared.payments.domain import Order, PaymentSettings
from shared.payments.schemas import (
    CheckoutBody,
    OrderPublic,
    PaymentProviderPublic,
    PaySubmitted,
    ProviderBody,
    RefundBody,
    StripeProviderBody,
    order_public,
    provider_failures,
    provider_public,
)
from shared.ratelimit import Limit, client_ip
from shared.vault.references import references_in

router = group_router(tags=["payments"])
# A hosted page is public: its guesses and retries are limited per address.
PAY_PER_IP = Limit("test-checkout-ip", requests=30, window_seconds=60)
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# The seller's provider can fail a checkout or a refund.
_CHECKOUT = {**error_responses(401, 404, 409, 422), **provider_failures()}
_CHECKOUT[404]["description"] = "No listed product with this id"
_CHECKOUT[409]["description"] = "The product is free, or the customer has it already"


@router.post(
    "/payment/checkout",
    status_code=201,
    response_model=OrderPublic,
    responses=_CHECKOUT,
    summary="Buy a product: a pending order and the provider's checkout page to pay on",
)
async def checkout(
    body: CheckoutBody,
    customer: CurrentCustomer,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    def start() -> dict[str, Any]:
        order = checkout_product(
            customer.id,
            body.product_id,
            success_url=body.success_url,
            cancel_url=body.cancel_url,
            base_url=_base(request),
            address=client_ip(request),
        )
        return order_public(order).model_dump(mode="json")

    payload = body.model_dump(mode="json")
    return await run_in_threadpool(
        run_once, "payment.checkout", customer.id, idempotency_key, payload, start
    )


@router.get(
    "/payment/orders",
    response_model=Page[OrderPublic],
    responses={**LIST_RESPONSES, **error_responses(401, 403)},
    summary="The team's orders as a seller, newest first",
)
async def list_orders(principal: CurrentPrincipal, page: Pagination) -> dict[str, Any]:
    items, total, cursor = await run_in_threadpool(service.team_orders, principal.team_id, page)
    return page_answer([order_public(order) for order in items], total, page, cursor)


@router.get(
    "/payment/orders/{order_id}",
    response_model=OrderPublic,
    responses=error_responses(401, 403, 404),
    summary="One of the team's orders",
)
async def get_order(order_id: str, principal: CurrentPrincipal) -> OrderPublic:
    return order_public(await run_in_threadpool(service.team_order, principal.team_id, order_id))


_REFUND = {**error_responses(401, 403, 404, 409, 422), **provider_failures()}
_REFUND[409]["description"] = "The order is not paid (or fully refunded)"
_REFUND[422]["description"] = "More than what is left to refund"


@router.post(
    "/payment/orders/{order_id}/refund",
    status_code=202,
    response_model=OrderPublic,
    responses=_REFUND,
    summary="Refund a paid order (admins): the provider's event settles it",
)
async def refund(
    order_id: str,
    principal: AdminPrincipal,
    request: Request,
    body: RefundBody | None = None,
    idempotency_key: IdempotencyKey = None,
) -> OrderPublic:
    def ask() -> Order:
        order = service.team_order(principal.team_id, order_id)
        left = order.amount_cents - order.refunded_cents
        cents = round(body.amount_usd * 100) if body and body.amount_usd else left
        return service.refund(
            order,
            amount_cents=cents,
            # Without a key of the caller's, one per order and amount: a retried request
            # refunds once.
            idempotency_key=idempotency_key or f"{order.id}-{order.refunded_cents}-{cents}",
            actor=principal.subject,
            base_url=_base(request),
            address=client_ip(request),
        )

    return order_public(await run_in_threadpool(ask))


def _webhook_url(request: Request, settings: PaymentSettings) -> str:
    return f"{_base(request)}{API_V1}/hooks/{settings.source_id}"


@router.get(
    "/payment/provider",
    response_model=PaymentProviderPublic,
    responses=error_responses(401, 403),
    summary="The team's payment provider and the webhook URL its events go to (admins)",
)
async def get_provider(principal: AdminPrincipal, request: Request) -> PaymentProviderPublic:
    settings = await run_in_threadpool(service.team_settings, principal.team_id)
    return provider_public(settings, _webhook_url(request, settings))


_SET_PROVIDER = error_responses(401, 403, 409, 422, 503)
_SET_PROVIDER[409]["description"] = "The payments source changed meanwhile; retry"
_SET_PROVIDER[503]["description"] = "The key could not be checked just now; retry"
_SET_PROVIDER[422]["description"] = (
    "Stripe: a key missing (the first time), a secret the vault lacks, or a value not shaped "
    "as a Stripe key; no webhook_secret the first time"
)


@router.put(
    "/payment/provider",
    response_model=PaymentProviderPublic,
    responses=_SET_PROVIDER,
    summary="Choose the team's payment provider: the built-in test provider or Stripe (admins)",
)
async def set_provider(
    body: ProviderBody, principal: AdminPrincipal, request: Request
) -> PaymentProviderPublic:
    stripe = body if isinstance(body, StripeProviderBody) else None
    name = references_in(stripe.secret_key).pop() if stripe and stripe.secret_key else None
    settings = await run_in_threadpool(
        partial(
            service.set_provider,
            principal.team_id,
            body.provider,
            stripe_key_secret=name,
            webhook_secret=stripe.webhook_secret if stripe else None,
        )
    )
    return provider_public(settings, _webhook_url(request, settings))


@router.get(
    "/payment/test-checkout/{checkout_id}",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}, "description": "The test provider's checkout page"},
        **error_responses(404),
    },
    summary="The built-in test provider's hosted checkout page",
)
async def test_checkout_page(checkout_id: str) -> HTMLResponse:
    checkout = await run_in_threadpool(service.hosted_checkout, checkout_id)
    amount = f"{int(checkout.amount_cents) / 100:.2f} {checkout.currency.upper()}"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test checkout</title></head>
<body><h1>Test checkout</h1>
<p>{html.escape(checkout.description)}: <strong>{html.escape(amount)}</strong></p>
<p>The built-in test provider: no money moves. 4242 4242 4242 4242 pays;
4000 0000 0000 0002 is declined.</p>
<form method="post" action="{API_V1}/payment/test-checkout/{html.escape(checkout_id)}/pay">
<label>Card number <input name="card_number" inputmode="numeric" required></label>
<button type="submit">Pay {html.escape(amount)}</button></form></body></html>"""
    return HTMLResponse(page)


_PAY = {
    303: {"description": "A browser's form: on to the order's success page"},
    **error_responses(402, 404, 422, 429),
}
_PAY[402]["description"] = "The test card was declined"
_PAY[422]["description"] = "Not a test card"


@router.post(
    "/payment/test-checkout/{checkout_id}/pay",
    response_model=PaySubmitted,
    responses=_PAY,
    summary="Pay a test checkout with a test card: the provider's signed event follows",
)
async def pay_test_checkout(
    checkout_id: str,
    request: Request,
    card_number: Annotated[str, Form(min_length=12, max_length=30)],
) -> Response:
    address = client_ip(request)
    PAY_PER_IP.hit(address)
    checkout = await run_in_threadpool(service.pay_test_checkout, checkout_id, card_number, address)
    if "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(checkout.success_url, status_code=303)
    answer = PaySubmitted(order_id=checkout.order_id, success_url=checkout.success_url)
    return Response(answer.model_dump_json(), media_type="application/json")


app = create_app("payments", router)
