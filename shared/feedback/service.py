"""Feedback's rules: a visitor rates a listed product (a signed-in customer once per
product: a second rating replaces the first; verified when the customer is entitled to
it), everyone reads a listed product's summary and visible ratings, and its seller reads
them all and hides (or shows again) any."""

from __future__ import annotations

from dataclasses import replace

from shared.customers.domain import Customer
from shared.errors import NotFound
from shared.feedback import store
from shared.feedback.domain import Feedback, RatingSummary
from shared.ids import new_id, utcnow
from shared.pagination import PageParams


def _listed(product_id: str) -> tuple[str, str]:
    """(product id, seller) of a listed product; anything else is 404."""
    from shared.products.store import get_listed_product

    product = get_listed_product(product_id)
    if product is None:
        raise NotFound("no listed product with this id")
    return product.id, product.team_id


def rate(
    product_id: str,
    rating: int,
    comment: str,
    *,
    email: str | None,
    customer: Customer | None,
) -> tuple[Feedback, bool]:
    """(the rating as stored, whether it is new): a signed-in customer's second rating of
    the product replaces the first, where it stood."""
    from shared.customers.entitlements import has_entitlement

    product, seller = _listed(product_id)
    now = utcnow()
    verified = customer is not None and has_entitlement(customer.id, product)
    if customer is not None and (given := store.by_author(product, customer.id)) is not None:
        changed = replace(given, rating=rating, comment=comment, verified=verified, updated_at=now)
        return store.change(given, changed), False
    made = Feedback(
        id=new_id(),
        team_id=seller,
        product_id=product,
        rating=rating,
        comment=comment,
        created_at=now,
        updated_at=now,
        customer_id=customer.id if customer else None,
        email=customer.email if customer else email,
        verified=verified,
    )
    return store.add(made), True


def product_feedback(
    product_id: str, params: PageParams
) -> tuple[RatingSummary, list[Feedback], str | None]:
    """A listed product's summary and a page of its visible ratings, newest first."""
    product, _ = _listed(product_id)
    items, cursor = store.list_product(product, params)
    return store.summary(product), items, cursor


def seller_feedback(
    team_id: str, params: PageParams, *, product_id: str | None, hidden: bool
) -> tuple[list[Feedback], int, str | None]:
    """The seller's visible (or hidden) ratings, of one product (its own: another team's
    is 404) or of all."""
    if product_id is None:
        return store.list_team(team_id, params, hidden=hidden)
    from shared.products.store import get_product

    product = get_product(team_id, product_id)
    if product is None:
        raise NotFound("no product of this team with this id")
    items, cursor = store.list_product(product.id, params, hidden=hidden)
    counts = store.summary(product.id)
    return items, counts.hidden if hidden else counts.count, cursor


def set_hidden(team_id: str, feedback_id: str, *, hidden: bool) -> Feedback:
    """Hide one of the seller's ratings from the storefront (and its counts), or show it
    again; another team's is 404."""
    feedback = store.team_feedback_item(team_id, feedback_id)
    if feedback is None:
        raise NotFound("no feedback of this team with this id")
    if feedback.hidden == hidden:
        return feedback
    return store.move(feedback, hidden=hidden)
