"""Customers, their sign-ins and entitlements (keys in shared.customers.models): the only
module of the area that touches the table; domain objects out."""

from __future__ import annotations

from datetime import datetime

from pynamodb.transactions import TransactWrite

from shared.customers.domain import Customer, Entitlement
from shared.customers.models import (
    ACCOUNT_SORT,
    CLAIM_SORT,
    ENTITLEMENT_PREFIX,
    NO_TEAM,
    CustomerEmailItem,
    CustomerItem,
    CustomerRefreshItem,
    EntitlementItem,
    customer_partition,
    email_partition,
    entitlement_key,
    refresh_key,
)
from shared.db.base import get_or_none, storage_errors
from shared.db.query import query_page
from shared.db.transactions import transact
from shared.errors import Conflict
from shared.ids import looks_like_id
from shared.pagination import PageParams


def _to_customer(item: CustomerItem) -> Customer:
    return Customer(
        id=item.customer_id, email=item.email, name=item.name, created_at=item.created_at
    )


def create_customer(customer: Customer, password_hash: str) -> Customer:
    """The account and the claim on its address, both or neither: a taken address is 409."""

    def write(transaction: TransactWrite) -> None:
        transaction.save(
            CustomerItem(
                customer_partition(customer.id),
                ACCOUNT_SORT,
                team_id=NO_TEAM,
                customer_id=customer.id,
                email=customer.email,
                name=customer.name,
                password_hash=password_hash,
                created_at=customer.created_at,
            ),
            condition=CustomerItem.pk.does_not_exist(),
        )
        transaction.save(
            CustomerEmailItem(
                email_partition(customer.email),
                CLAIM_SORT,
                team_id=NO_TEAM,
                customer_id=customer.id,
            ),
            condition=CustomerEmailItem.pk.does_not_exist(),
        )

    if transact(write, what="customer"):
        raise Conflict("an account with this email exists; sign in")
    return customer


def get_customer(customer_id: str) -> Customer | None:
    if not looks_like_id(customer_id):
        return None
    item = get_or_none(CustomerItem, customer_partition(customer_id), ACCOUNT_SORT)
    return _to_customer(item) if item else None


def find_by_email(email: str) -> tuple[Customer, str] | None:
    """The account of an address and its password hash, or None."""
    claim = get_or_none(CustomerEmailItem, email_partition(email), CLAIM_SORT)
    if claim is None:
        return None
    item = get_or_none(CustomerItem, customer_partition(claim.customer_id), ACCOUNT_SORT)
    return (_to_customer(item), item.password_hash) if item else None


# Sign-ins: one refresh family per sign-in, holding the digest of its current token.


def start_family(customer_id: str, family: str, digest: str, expires_at: datetime) -> None:
    with storage_errors("customer sign-in"):
        CustomerRefreshItem(
            customer_partition(customer_id),
            refresh_key(family),
            team_id=NO_TEAM,
            customer_id=customer_id,
            digest=digest,
            expires_at=expires_at,
        ).save()


def family_digest(customer_id: str, family: str, now: datetime) -> str | None:
    """The current token's digest of a live sign-in (None: ended or expired)."""
    item = get_or_none(
        CustomerRefreshItem, customer_partition(customer_id), refresh_key(family), consistent=True
    )
    if item is None or (item.expires_at is not None and item.expires_at <= now):
        return None
    return item.digest


def rotate_family(
    customer_id: str, family: str, presented: str, digest: str, expires_at: datetime
) -> bool:
    """Replace the family's token `presented` with `digest`; False when another use won."""
    item = CustomerRefreshItem(customer_partition(customer_id), refresh_key(family))
    try:
        with storage_errors("customer sign-in"):
            item.update(
                actions=[
                    CustomerRefreshItem.digest.set(digest),
                    CustomerRefreshItem.expires_at.set(expires_at),
                ],
                condition=CustomerRefreshItem.digest == presented,
                add_version_condition=False,
            )
    except Conflict:
        return False
    return True


def end_family(customer_id: str, family: str) -> None:
    with storage_errors("customer sign-in"):
        CustomerRefreshItem(customer_partition(customer_id), refresh_key(family)).delete(
            add_version_condition=False
        )


# Entitlements.


def _to_entitlement(item: EntitlementItem) -> Entitlement:
    return Entitlement(
        customer_id=item.customer_id,
        product_id=item.product_id,
        team_id=item.seller_id,
        source="order" if item.source == "order" else "free",
        order_id=item.order_id,
        granted_at=item.granted_at,
    )


def grant(entitlement: Entitlement) -> bool:
    """Record the entitlement unless the customer has the product already (False then)."""
    item = EntitlementItem(
        customer_partition(entitlement.customer_id),
        entitlement_key(entitlement.product_id),
        team_id=NO_TEAM,
        customer_id=entitlement.customer_id,
        product_id=entitlement.product_id,
        seller_id=entitlement.team_id,
        source=entitlement.source,
        order_id=entitlement.order_id,
        granted_at=entitlement.granted_at,
    )
    try:
        with storage_errors("entitlement"):
            item.save(condition=EntitlementItem.pk.does_not_exist())
    except Conflict:
        return False
    return True


def revoke(customer_id: str, product_id: str, order_id: str) -> bool:
    """Remove the entitlement an order gave (not one given otherwise); False if none."""
    item = EntitlementItem(customer_partition(customer_id), entitlement_key(product_id))
    try:
        with storage_errors("entitlement"):
            item.delete(condition=EntitlementItem.order_id == order_id, add_version_condition=False)
    except Conflict:
        return False
    return True


def get_entitlement(customer_id: str, product_id: str) -> Entitlement | None:
    if not looks_like_id(product_id):
        return None
    item = get_or_none(
        EntitlementItem, customer_partition(customer_id), entitlement_key(product_id)
    )
    return _to_entitlement(item) if item else None


def list_entitlements(
    customer_id: str, params: PageParams
) -> tuple[list[Entitlement], int, str | None]:
    """A customer's entitlements, newest product first (one customer's: counted by its
    Query)."""
    items, total, cursor = query_page(
        EntitlementItem,
        customer_partition(customer_id),
        params,
        range_key_condition=EntitlementItem.sk.startswith(ENTITLEMENT_PREFIX),
    )
    return [_to_entitlement(item) for item in items], total, cursor
