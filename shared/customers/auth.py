"""The caller of a customer route: a customer access token (Authorization: Bearer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from shared.customers import store, tokens
from shared.customers.domain import Customer
from shared.errors import Unauthorized


async def current_customer(request: Request) -> Customer:
    """The customer a valid customer token names; 401 otherwise (a team's token included)."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthorized()
    customer_id = await run_in_threadpool(tokens.verify, credentials.strip())
    customer = await run_in_threadpool(store.get_customer, customer_id)
    if customer is None:  # the account is gone: its tokens are worth nothing
        raise Unauthorized("Invalid or expired token")
    return customer


async def optional_customer(request: Request) -> Customer | None:
    """The customer a customer token names, or None when no Authorization is sent (a
    public route a signed-in customer may also call); a token that is sent must be valid."""
    if not request.headers.get("authorization"):
        return None
    return await current_customer(request)


CurrentCustomer = Annotated[Customer, Depends(current_customer)]
MaybeCustomer = Annotated[Customer | None, Depends(optional_customer)]
