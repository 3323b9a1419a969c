"""Customers' rules: accounts, sign-in with rotating refresh tokens, entitlements claimed
for free products, downloads of what a customer is entitled to."""

from __future__ import annotations

from datetime import timedelta

from shared.customers import store, tokens
from shared.customers.domain import (
    ACCESS_TOKEN_SECONDS,
    DOWNLOAD_URL_SECONDS,
    REFRESH_TOKEN_SECONDS,
    Customer,
    Entitlement,
    Session,
)
from shared.errors import Forbidden, NotFound, PaymentRequired, Unauthorized
from shared.identity import opaque, passwords
from shared.ids import new_id, utcnow
from shared.pagination import PageParams

_WRONG = "Wrong email or password"


def normalized_email(email: str) -> str:
    return email.strip().casefold()


def _session(customer: Customer) -> Session:
    family = new_id()
    minted = opaque.mint(opaque.CUSTOMER_REFRESH, customer.id, family)
    now = utcnow()
    store.start_family(
        customer.id, family, minted.digest, now + timedelta(seconds=REFRESH_TOKEN_SECONDS)
    )
    return Session(
        customer=customer,
        access_token=tokens.issue(customer.id, ttl_seconds=ACCESS_TOKEN_SECONDS),
        refresh_token=minted.token,
        expires_in=ACCESS_TOKEN_SECONDS,
    )


def register(email: str, password: str, name: str | None) -> Session:
    """A new account, signed in; a taken address is 409; a weak password 422."""
    address = normalized_email(email)
    passwords.check_policy(password, email=address)
    customer = Customer(id=new_id(), email=address, name=name, created_at=utcnow())
    store.create_customer(customer, passwords.hash_password(password))
    return _session(customer)


def login(email: str, password: str) -> Session:
    """Signed in with the right password; 401 otherwise, with the same work either way."""
    found = store.find_by_email(normalized_email(email))
    if not passwords.verify(found[1] if found else None, password) or found is None:
        raise Unauthorized(_WRONG)
    return _session(found[0])


def refresh(token: str) -> Session:
    """A new access token and the sign-in's next refresh token. A token used before (its
    sign-in has moved on) ends the sign-in: whoever holds either copy must sign in again."""
    presented = opaque.parse(token, opaque.CUSTOMER_REFRESH)
    if presented is None:
        raise Unauthorized("Invalid or expired refresh token")
    customer_id, family = presented.team_id, presented.item_id
    now = utcnow()
    current = store.family_digest(customer_id, family, now)
    if current is None:
        raise Unauthorized("Invalid or expired refresh token")
    if not opaque.same(current, presented.digest):
        store.end_family(customer_id, family)  # a replayed token: stolen, or raced
        raise Unauthorized("Invalid or expired refresh token")
    customer = store.get_customer(customer_id)
    if customer is None:
        raise Unauthorized("Invalid or expired refresh token")
    minted = opaque.mint(opaque.CUSTOMER_REFRESH, customer_id, family)
    expires = now + timedelta(seconds=REFRESH_TOKEN_SECONDS)
    if not store.rotate_family(customer_id, family, presented.digest, minted.digest, expires):
        store.end_family(customer_id, family)
        raise Unauthorized("Invalid or expired refresh token")
    return Session(
        customer=customer,
        access_token=tokens.issue(customer_id, ttl_seconds=ACCESS_TOKEN_SECONDS),
        refresh_token=minted.token,
        expires_in=ACCESS_TOKEN_SECONDS,
    )


def sign_out(token: str) -> None:
    """End the sign-in a refresh token belongs to (nothing for a token that is not one)."""
    presented = opaque.parse(token, opaque.CUSTOMER_REFRESH)
    if presented is None:
        return
    current = store.family_digest(presented.team_id, presented.item_id, utcnow())
    if current is not None and opaque.same(current, presented.digest):
        store.end_family(presented.team_id, presented.item_id)


def entitlements(
    customer: Customer, params: PageParams
) -> tuple[list[Entitlement], int, str | None]:
    return store.list_entitlements(customer.id, params)


def claim_free(customer: Customer, product_id: str) -> tuple[Entitlement, bool]:
    """A free listed product, the customer's: (the entitlement, whether it is new). A paid
    one is 402: it is bought through POST /payment/checkout, and only its payment's
    confirmation entitles."""
    from shared.products.store import get_listed_product

    product = get_listed_product(product_id)
    if product is None:
        raise NotFound("no such product")
    existing = store.get_entitlement(customer.id, product.id)
    if existing is not None:
        return existing, False
    if product.price_cents > 0:
        raise PaymentRequired(
            f"{product.name} costs {product.price_cents / 100:.2f} {product.currency.upper()}: "
            "buy it through POST /payment/checkout"
        )
    entitlement = Entitlement(
        customer_id=customer.id,
        product_id=product.id,
        team_id=product.team_id,
        source="free",
        order_id=None,
        granted_at=utcnow(),
    )
    if not store.grant(entitlement):  # claimed at the same moment by another request
        found = store.get_entitlement(customer.id, product.id)
        return (found or entitlement), False
    return entitlement, True


def download_url(customer: Customer, product_id: str) -> str:
    """A short-lived link to the current release's ZIP of a product the customer is
    entitled to; 403 without an entitlement, 404 for no such product."""
    from shared.products import objects
    from shared.products.store import find_product

    product = find_product(product_id)
    if product is None or product.release < 1:
        raise NotFound("no such product")
    if store.get_entitlement(customer.id, product.id) is None:
        raise Forbidden("You are not entitled to download this product: buy or claim it first")
    return objects.download_url(product, expires_in=DOWNLOAD_URL_SECONDS)
