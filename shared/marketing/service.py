"""Marketing's rules: the storefront's highlights (the newest listed products of its
biggest categories), a listed product's share card (Open Graph), and updates
subscriptions with double opt-in: a subscription counts, and its address is ever shown to
the seller, only once the address confirmed it with the token e-mailed to it.

Every subscribe request gets the same answer whatever the address's state, so the route
tells no one who is subscribed to what."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Final

from shared.errors import Gone, NotFound, ServiceUnavailable
from shared.identity.opaque import digest
from shared.ids import utcnow
from shared.marketing import store
from shared.marketing.domain import (
    CONFIRM_SECONDS,
    NO_SELLER,
    STOREFRONT,
    SubscriberCounts,
    Subscription,
)
from shared.observability import logger
from shared.pagination import PageParams
from shared.products import service as products
from shared.products.domain import ListedProduct, ListingQuery, Product

TOKEN_BYTES: Final = 24
# Highlights: this many categories (the ones with the most listed products) at most.
HIGHLIGHT_CATEGORIES: Final = 12


@dataclass(frozen=True, slots=True)
class Highlight:
    category: str
    count: int
    products: list[ListedProduct]


def highlights(per_category: int) -> list[Highlight]:
    """The newest listed products of each of the biggest categories: one Query per
    category shown, whatever the storefront's size."""
    shown = sorted(products.categories(), key=lambda c: (-c.count, c.category))
    found: list[Highlight] = []
    for category in shown[:HIGHLIGHT_CATEGORIES]:
        items, _, _ = products.listing(
            ListingQuery(category=category.category), PageParams(limit=per_category)
        )
        if items:
            found.append(Highlight(category.category, category.count, items))
    return found


def card_product(product_id: str) -> Product:
    """A listed product, for its share card (anything else is 404)."""
    return products.public_product(product_id)


def open_graph(product: Product, *, url: str, image: str | None) -> dict[str, Any]:
    """The Open Graph properties of a product's page (og: and product: namespaces)."""
    properties: dict[str, Any] = {
        "og:type": "product",
        "og:title": product.name,
        "og:description": (product.tagline or product.description)[:300],
        "og:url": url,
        "product:price:amount": f"{product.price_cents / 100:.2f}",
        "product:price:currency": product.currency.upper(),
    }
    if image is not None:
        properties["og:image"] = image
    return properties


# Subscriptions.


def _scope_of(product_id: str | None) -> tuple[str, str, str]:
    """(scope, seller, what it is called) of a subscription's target."""
    if product_id is None:
        return STOREFRONT, NO_SELLER, "the storefront"
    product = products.public_product(product_id)
    return product.id, product.team_id, product.name


def subscribe(email: str, product_id: str | None, *, base_url: str) -> None:
    """Ask `email` to confirm updates of the product (or the storefront): a new pending
    subscription, or a fresh confirmation for a pending or ended one; a confirmed one
    changes nothing. The confirmation goes by e-mail only."""
    scope, seller, name = _scope_of(product_id)
    address = email.strip().lower()
    now = utcnow()
    existing = store.get(scope, address)
    if existing is not None and existing.status == "confirmed":
        return
    confirm, unsubscribe = secrets.token_urlsafe(TOKEN_BYTES), secrets.token_urlsafe(TOKEN_BYTES)
    pending = Subscription(
        scope=scope,
        email=address,
        team_id=seller,
        status="pending",
        created_at=existing.created_at if existing else now,
        updated_at=now,
        confirm_digest=digest(confirm),
        unsubscribe_digest=digest(unsubscribe),
        confirm_expires_at=now + timedelta(seconds=CONFIRM_SECONDS),
        version=existing.version if existing else None,
    )
    store.save(existing, pending)
    _send_confirmation(address, name, confirm, unsubscribe, base_url)


def _send_confirmation(
    address: str, name: str, confirm: str, unsubscribe: str, base_url: str
) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    from shared.email import send_text

    api = f"{base_url.rstrip('/')}/api/v1/marketing"
    body = (
        f"Someone, we hope you, asked for updates about {name}.\n\n"
        f"To confirm, within 48 hours: POST {api}/confirm with the JSON body\n"
        f'  {{"token": "{confirm}"}}\n\n'
        f"To stop the updates at any time: POST {api}/unsubscribe with\n"
        f'  {{"token": "{unsubscribe}"}}\n\n'
        "If it was not you, ignore this message: nothing is sent until it is confirmed.\n"
    )
    try:
        send_text(address, f"Confirm your updates: {name}", body)
    except (ClientError, BotoCoreError) as exc:
        logger.warning("a confirmation e-mail was refused", extra={"error": type(exc).__name__})
        # The subscription waits, pending: subscribing again sends a new confirmation.
        raise ServiceUnavailable("the confirmation e-mail could not be sent; try again") from exc


def _by_token(token: str, purpose: str) -> Subscription:
    found = store.token_target(digest(token))
    if found is None or found[1] != purpose:
        raise NotFound("no such token (or it was used already)")
    return found[0]


def confirm(token: str) -> Subscription:
    """The address confirmed: the subscription counts. A token confirms once, within its
    48 hours (410 after: subscribe again)."""
    subscription = _by_token(token, "confirm")
    now = utcnow()
    if subscription.confirm_expires_at <= now:
        raise Gone("this confirmation expired: subscribe again for a new one")
    confirmed = replace(
        subscription, status="confirmed", confirm_digest=None, confirmed_at=now, updated_at=now
    )
    return store.save(subscription, confirmed)


def unsubscribe(token: str) -> Subscription:
    """No more updates (the same token works again, changing nothing)."""
    subscription = _by_token(token, "unsubscribe")
    if subscription.status == "unsubscribed":
        return subscription
    ended = replace(subscription, status="unsubscribed", confirm_digest=None, updated_at=utcnow())
    return store.save(subscription, ended)


# The seller's side.


def team_counts(
    team_id: str, params: PageParams
) -> tuple[list[tuple[Product, SubscriberCounts]], int, str | None]:
    """A page of the team's products, each with its subscribers' counts."""
    items, total, cursor = products.list_team_products(team_id, params)
    return [(product, store.counts(product.id)) for product in items], total, cursor


def confirmed_subscribers(
    team_id: str, product_id: str, params: PageParams
) -> tuple[list[Subscription], int, str | None]:
    """The confirmed addresses of one of the team's products, by address, with their
    count (another team's product is 404)."""
    product = products.get_team_product(team_id, product_id)
    items, cursor = store.confirmed_page(product.id, params)
    return items, store.counts(product.id).confirmed, cursor
