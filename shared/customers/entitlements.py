"""Who may download what: entitlements follow a confirmed payment (the payments worker
calls `grant_for_order` and `revoke_for_order`, once per provider event) or a claim of a
free product; nothing else makes one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.customers import store
from shared.customers.domain import Entitlement
from shared.ids import utcnow

if TYPE_CHECKING:
    from shared.payments.domain import Order


def grant_for_order(order: Order) -> None:
    """A paid order of a product entitles its customer to it; again for a redelivered
    confirmation changes nothing (the entitlement exists)."""
    if order.purpose != "product" or order.customer_id is None:
        return
    store.grant(
        Entitlement(
            customer_id=order.customer_id,
            product_id=order.reference_id,
            team_id=order.team_id,
            source="order",
            order_id=order.id,
            granted_at=utcnow(),
        )
    )


def revoke_for_order(order: Order) -> None:
    """A refunded order takes back what it gave (and only that)."""
    if order.purpose == "product" and order.customer_id is not None:
        store.revoke(order.customer_id, order.reference_id, order.id)


def has_entitlement(customer_id: str, product_id: str) -> bool:
    return store.get_entitlement(customer_id, product_id) is not None
