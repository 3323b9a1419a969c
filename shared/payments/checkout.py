"""Buying a product: a listed, paid product the customer does not have yet, at its price."""

from __future__ import annotations

from shared.errors import Conflict, NotFound
from shared.payments import service
from shared.payments.domain import Order


def checkout_product(
    customer_id: str,
    product_id: str,
    *,
    success_url: str | None,
    cancel_url: str | None,
    base_url: str,
    address: str,
) -> Order:
    from shared.customers.entitlements import has_entitlement
    from shared.products.store import get_listed_product

    product = get_listed_product(product_id)
    if product is None:
        raise NotFound("no such product")
    if product.price_cents == 0:
        raise Conflict("this product is free: claim it with POST /customer/entitlements")
    if has_entitlement(customer_id, product.id):
        raise Conflict("you have this product already: GET /customer/downloads/{product_id}")
    return service.start_checkout(
        team_id=product.team_id,
        purpose="product",
        reference_id=product.id,
        amount_cents=product.price_cents,
        currency=product.currency,
        customer_id=customer_id,
        description=f"{product.name} (release {product.release})",
        success_url=success_url,
        cancel_url=cancel_url,
        base_url=base_url,
        address=address,
    )
