"""Seed 000's public marketing endpoints: the storefront's highlights, a listed product's
share card (Open Graph), updates subscriptions with double opt-in (subscribe: per address,
the confirmation e-mailed; confirm and unsubscribe with the e-mailed tokens), and the
seller's view of its subscribers (admins). HTTP shapes only; the rules are
shared.marketing.service's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request

from functions.marketing.schemas import (
    HighlightParams,
    MarketingHighlight,
    MarketingHighlights,
    ShareCard,
    SubscribeAnswer,
    SubscribeBody,
    Subscriber,
    SubscriberCountsPublic,
    SubscriptionPublic,
    TokenBody,
    counts_public,
    subscription_public,
)
from shared.app_factory import API_V1, create_app, group_router
from shared.auth.dependencies import AdminPrincipal
from shared.errors import error_responses
from shared.marketing import service
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.path_ids import IdPath
from shared.products.schemas import price_usd, product_summary
from shared.ratelimit import Limit, client_ip

router = group_router(tags=["marketing"])
# A person subscribes to a few things; more from one address is a script mailing others.
SUBSCRIBES_PER_IP = Limit("marketing-subscribe-ip", requests=5, window_seconds=3600)
# Tokens are long and random; guessing them is what this limit is for.
TOKENS_PER_IP = Limit("marketing-token-ip", requests=30, window_seconds=3600)
CARD_IMAGE_SECONDS = 3600

_CARD = error_responses(404, 422)
_CARD[404]["description"] = "No listed product with this id"
_SUBSCRIBE = error_responses(404, 409, 422, 429, 503)
_SUBSCRIBE[404]["description"] = "No listed product with this id"
_SUBSCRIBE[409]["description"] = "The same subscription was asked for meanwhile: send it again"
_SUBSCRIBE[429]["description"] = "Too many subscriptions from this address"
_SUBSCRIBE[503]["description"] = "The confirmation e-mail could not be sent: send it again"
_TOKEN = error_responses(404, 409, 422, 429)
_TOKEN[404]["description"] = "No such token, or it was used already"
_TOKEN[409]["description"] = "The subscription changed meanwhile: send it again"
_TOKEN[429]["description"] = "Too many tokens tried from this address"
_CONFIRM = {**_TOKEN, **error_responses(410)}
_CONFIRM[410]["description"] = "The confirmation expired (48 hours): subscribe again"
_SELLER = {**LIST_RESPONSES, **error_responses(401, 403, 404)}
_SELLER[404]["description"] = "No product of this team with this id"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get(
    "/marketing/highlights",
    response_model=MarketingHighlights,
    responses=error_responses(422),
    summary="The newest listed products of the storefront's biggest categories",
)
async def highlights(params: Annotated[HighlightParams, Query()]) -> MarketingHighlights:
    return MarketingHighlights(
        categories=[
            MarketingHighlight(
                category=found.category,
                count=found.count,
                products=[product_summary(item) for item in found.products],
            )
            for found in service.highlights(params.per_category)
        ]
    )


@router.get(
    "/marketing/products/{product_id}/card",
    response_model=ShareCard,
    responses=_CARD,
    summary="A listed product's share card: title, description, image, link, price (Open Graph)",
)
async def share_card(product_id: IdPath, request: Request) -> ShareCard:
    from shared.products.service import screenshot_urls

    product = service.card_product(product_id)
    url = f"{_base(request)}{API_V1}/products/{product.id}"
    images = screenshot_urls(product, expires_in=CARD_IMAGE_SECONDS)
    image = images[0] if images else None
    return ShareCard(
        product_id=product.id,
        title=product.name,
        description=product.tagline or product.description,
        image_url=image,
        url=url,
        price_usd=price_usd(product.price_cents),
        currency=product.currency,
        open_graph=service.open_graph(product, url=url, image=image),
    )


@router.post(
    "/marketing/subscribe",
    status_code=202,
    response_model=SubscribeAnswer,
    responses=_SUBSCRIBE,
    summary="Ask for a product's (or the storefront's) updates: a confirmation is e-mailed",
)
async def subscribe(body: SubscribeBody, request: Request) -> SubscribeAnswer:
    SUBSCRIBES_PER_IP.hit(client_ip(request))
    service.subscribe(body.email, body.product_id, base_url=_base(request))
    return SubscribeAnswer()


@router.post(
    "/marketing/confirm",
    response_model=SubscriptionPublic,
    responses=_CONFIRM,
    summary="Confirm a subscription with the token its e-mail carried",
)
async def confirm(body: TokenBody, request: Request) -> SubscriptionPublic:
    TOKENS_PER_IP.hit(client_ip(request))
    return subscription_public(service.confirm(body.token))


@router.post(
    "/marketing/unsubscribe",
    response_model=SubscriptionPublic,
    responses=_TOKEN,
    summary="End a subscription with the unsubscribe token its e-mail carried",
)
async def unsubscribe(body: TokenBody, request: Request) -> SubscriptionPublic:
    TOKENS_PER_IP.hit(client_ip(request))
    return subscription_public(service.unsubscribe(body.token))


@router.get(
    "/marketing/subscribers",
    response_model=Page[SubscriberCountsPublic],
    responses=_SELLER,
    summary="The team's products with their subscribers, pending and confirmed (admins)",
)
async def subscriber_counts(principal: AdminPrincipal, page: Pagination) -> dict[str, Any]:
    items, total, cursor = service.team_counts(principal.team_id, page)
    answer = [counts_public(product, counts) for product, counts in items]
    return page_answer(answer, total, page, cursor)


@router.get(
    "/marketing/products/{product_id}/subscribers",
    response_model=Page[Subscriber],
    responses=_SELLER,
    summary="A product's confirmed subscribers' addresses, by address (admins)",
)
async def subscribers(
    product_id: IdPath, principal: AdminPrincipal, page: Pagination
) -> dict[str, Any]:
    items, total, cursor = service.confirmed_subscribers(principal.team_id, product_id, page)
    found = [Subscriber(email=item.email, confirmed_at=item.confirmed_at) for item in items]
    return page_answer(found, total, page, cursor)


app = create_app("marketing", router)
