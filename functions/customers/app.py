"""Storefront customers: register, sign in, refresh, who am I, entitlements (a free product
claimed; a paid one comes with its confirmed payment), downloads. HTTP shapes only; the
rules are shared.customers.service's."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from functions.customers.schemas import (
    CustomerLogin,
    CustomerPublic,
    CustomerRefresh,
    CustomerRegister,
    CustomerSession,
    DownloadLink,
    EntitlementClaim,
    EntitlementPublic,
    customer_public,
    entitlement_public,
)
from shared.app_factory import create_app, group_router
from shared.customers import service
from shared.customers.auth import CurrentCustomer
from shared.customers.domain import DOWNLOAD_URL_SECONDS, Session
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.payments import service as payments
from shared.payments.schemas import OrderPublic, order_public
from shared.ratelimit import Limit, client_ip

router = group_router(tags=["customers"])
REGISTER_PER_IP = Limit("customer-register-ip", requests=10, window_seconds=3600)
LOGIN_PER_IP = Limit("customer-login-ip", requests=30, window_seconds=60)
LOGIN_PER_EMAIL = Limit("customer-login-email", requests=10, window_seconds=300)
REFRESH_PER_IP = Limit("customer-refresh-ip", requests=60, window_seconds=60)
_SIGNED_IN = error_responses(401, 422, 429)
_SIGNED_IN[429]["description"] = "Too many attempts from this address or for this email"


def _session(session: Session) -> CustomerSession:
    return CustomerSession(
        customer=customer_public(session.customer),
        access_token=session.access_token,
        refresh_token=session.refresh_token,
        expires_in=session.expires_in,
    )


@router.post(
    "/customer/register",
    status_code=201,
    response_model=CustomerSession,
    responses={**error_responses(409, 422, 429)},
    summary="A storefront customer account (not a team user), signed in",
)
def register(body: CustomerRegister, request: Request) -> CustomerSession:
    REGISTER_PER_IP.hit(client_ip(request))
    return _session(service.register(body.email, body.password, body.name))


@router.post(
    "/customer/login",
    response_model=CustomerSession,
    responses=_SIGNED_IN,
    summary="Sign a customer in: an access token and a rotating refresh token",
)
def login(body: CustomerLogin, request: Request) -> CustomerSession:
    LOGIN_PER_IP.hit(client_ip(request))
    LOGIN_PER_EMAIL.hit(body.email)
    return _session(service.login(body.email, body.password))


@router.post(
    "/customer/refresh",
    response_model=CustomerSession,
    responses=_SIGNED_IN,
    summary="Rotate a refresh token: the old one dies; reusing a dead one ends the sign-in",
)
async def refresh(body: CustomerRefresh, request: Request) -> CustomerSession:
    REFRESH_PER_IP.hit(client_ip(request))
    return _session(service.refresh(body.refresh_token))


@router.post(
    "/customer/logout",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 422),
    summary="End the sign-in of the refresh token given",
)
async def logout(body: CustomerRefresh, customer: CurrentCustomer) -> Response:
    del customer  # signed in: a stranger cannot end sign-ins by guessing tokens' shapes
    await run_in_threadpool(service.sign_out, body.refresh_token)
    return Response(status_code=204)


@router.get(
    "/customer/me",
    response_model=CustomerPublic,
    responses=error_responses(401),
    summary="The signed-in customer",
)
async def me(customer: CurrentCustomer) -> CustomerPublic:
    return customer_public(customer)


@router.get(
    "/customer/entitlements",
    response_model=Page[EntitlementPublic],
    responses={**LIST_RESPONSES, **error_responses(401)},
    summary="What the customer may download",
)
async def list_entitlements(customer: CurrentCustomer, page: Pagination) -> dict[str, Any]:
    items, total, cursor = await run_in_threadpool(service.entitlements, customer, page)
    return page_answer([entitlement_public(item) for item in items], total, page, cursor)


_CLAIM = {
    200: {"model": EntitlementPublic, "description": "Claimed before"},
    **error_responses(401, 402, 404, 422),
}
_CLAIM[402]["description"] = "The product is not free: buy it through POST /payment/checkout"
_CLAIM[404]["description"] = "No listed product with this id"


@router.post(
    "/customer/entitlements",
    status_code=201,
    response_model=EntitlementPublic,
    responses=_CLAIM,
    summary="Claim a free listed product (a paid one is bought, never claimed)",
)
async def claim(
    body: EntitlementClaim, customer: CurrentCustomer, response: Response
) -> EntitlementPublic:
    entitlement, new = await run_in_threadpool(service.claim_free, customer, body.product_id)
    if not new:
        response.status_code = 200
    return entitlement_public(entitlement)


_DOWNLOAD = error_responses(401, 403, 404)
_DOWNLOAD[403]["description"] = "The customer is not entitled to the product"


@router.get(
    "/customer/downloads/{product_id}",
    response_model=DownloadLink,
    responses=_DOWNLOAD,
    summary="A short-lived link to the current release's ZIP of a product the customer has",
)
async def download(product_id: str, customer: CurrentCustomer) -> DownloadLink:
    url = await run_in_threadpool(service.download_url, customer, product_id)
    return DownloadLink(url=url, expires_in=DOWNLOAD_URL_SECONDS)


@router.get(
    "/customer/orders/{order_id}",
    response_model=OrderPublic,
    responses=error_responses(401, 404),
    summary="One of the customer's orders: pending until the provider confirms the payment",
)
async def get_order(order_id: str, customer: CurrentCustomer) -> OrderPublic:
    return order_public(await run_in_threadpool(payments.customer_order, customer.id, order_id))


app = create_app("customers", router)
