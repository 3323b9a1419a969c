"""The public storefront: listed products only (published, not hidden, good enough), no
sign-in. The rules are shared.products.service's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from shared.app_factory import create_app, group_router
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, page_answer
from shared.products import service
from shared.products.domain import ListingQuery, Product
from shared.products.schemas import (
    CategoryList,
    ListingParams,
    ProductSummary,
    PublicProduct,
    price_usd,
    product_summary,
)

router = group_router(tags=["storefront"])
# A presigned screenshot is good for an hour: a product page is read, then its images.
SCREENSHOT_URL_SECONDS = 3600


def _public(product: Product) -> PublicProduct:
    return PublicProduct(
        id=product.id,
        seller_id=product.team_id,
        name=product.name,
        tagline=product.tagline,
        category=product.category,
        price_usd=price_usd(product.price_cents),
        currency=product.currency,
        kind=product.kind,
        release=product.release,
        quality_score=product.effective_quality,
        published_at=product.published_at or product.created_at,
        description=product.description,
        screenshots=service.screenshot_urls(product, expires_in=SCREENSHOT_URL_SECONDS),
        preview_available=product.kind == "web",
    )


@router.get(
    "/products",
    response_model=Page[ProductSummary],
    responses={**LIST_RESPONSES, **error_responses(422)},
    summary="The storefront: listed products, newest first or by name, in a category or "
    "matching a search",
)
async def list_products(params: Annotated[ListingParams, Query()]) -> dict[str, Any]:
    query = ListingQuery(category=params.category, search=params.search, sort=params.sort)
    items, total, cursor = service.listing(query, params)
    return page_answer([product_summary(item) for item in items], total, params, cursor)


@router.get(
    "/products/categories",
    response_model=CategoryList,
    summary="Categories with listed products, and how many each has (the listing's rules)",
)
async def list_categories() -> dict[str, Any]:
    return {"items": [{"category": c.category, "count": c.count} for c in service.categories()]}


@router.get(
    "/products/{product_id}",
    response_model=PublicProduct,
    responses=error_responses(404),
    summary="A listed product's page (any other product is 404)",
)
async def get_product(product_id: str) -> PublicProduct:
    return _public(service.public_product(product_id))


app = create_app("products", router)
