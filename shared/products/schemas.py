"""The storefront's shapes: what the public sees of a product, and what its team sees."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.numbers import JSON_NUMBER
from shared.pagination import PageParams
from shared.products.domain import (
    CATEGORY_PATTERN,
    MAX_DESCRIPTION_CHARS,
    MAX_NAME_CHARS,
    MAX_SCREENSHOTS,
    MAX_TAGLINE_CHARS,
    MIN_QUALITY,
    ListedProduct,
    Product,
)
from shared.request_fields import NOT_SPACE

MAX_PRICE_USD = 10_000
PriceUsd = Annotated[
    float,
    Field(ge=0, le=MAX_PRICE_USD, multiple_of=0.01, allow_inf_nan=False),
    JSON_NUMBER,
]
Category = Annotated[
    str, Field(pattern=CATEGORY_PATTERN, description="a slug: lower-case letters, digits, -")
]
TEXT_PATTERN = f".*{NOT_SPACE}.*"


def price_cents(price_usd: float) -> int:
    return round(price_usd * 100)


def price_usd(cents: int) -> float:
    return round(cents / 100, 2)


class ProductSummary(BaseModel):
    """A listed product as the listing shows it."""

    id: str
    seller_id: str = Field(description="the team that sells it")
    name: str
    tagline: str | None
    category: str
    price_usd: float = Field(description="0 for a free product")
    currency: str
    kind: Literal["web", "download"] = Field(
        description="web: a built site that can be previewed; download: a code base"
    )
    release: int
    quality_score: int
    published_at: datetime


def product_summary(item: ListedProduct) -> ProductSummary:
    return ProductSummary(
        id=item.id,
        seller_id=item.seller_id,
        name=item.name,
        tagline=item.tagline,
        category=item.category,
        price_usd=price_usd(item.price_cents),
        currency=item.currency,
        kind=item.kind,
        release=item.release,
        quality_score=item.quality_score,
        published_at=item.published_at,
    )


class PublicProduct(ProductSummary):
    """A listed product's page."""

    description: str
    screenshots: list[str] = Field(description="presigned image URLs, valid for an hour")
    preview_available: bool = Field(description="a web product: POST /sandbox/previews")


class CategoryCountPublic(BaseModel):
    category: str
    count: int


class CategoryList(BaseModel):
    items: list[CategoryCountPublic]


class TeamProduct(BaseModel):
    """A product as its team sees it: every field, listed or not."""

    id: str
    team_id: str
    job_id: str | None
    name: str
    category: str
    tagline: str | None
    description: str
    price_usd: float
    currency: str
    status: Literal["draft", "published"]
    hidden: bool
    quality_score: int = Field(
        description="from the job's checks: 100 less 5 per warning and 10 per repair attempt"
    )
    quality_override: int | None
    listed: bool = Field(
        description=f"public: published, not hidden, quality (or its override) >= {MIN_QUALITY}"
    )
    release: int
    kind: Literal["web", "download"]
    web_root: str | None
    support_agent_id: str | None
    screenshots: list[str] = Field(description="the team's image files' ids")
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


def team_product(product: Product) -> TeamProduct:
    return TeamProduct(
        id=product.id,
        team_id=product.team_id,
        job_id=product.job_id,
        name=product.name,
        category=product.category,
        tagline=product.tagline,
        description=product.description,
        price_usd=price_usd(product.price_cents),
        currency=product.currency,
        status=product.status,
        hidden=product.hidden,
        quality_score=product.quality_score,
        quality_override=product.quality_override,
        listed=product.listed,
        release=product.release,
        kind=product.kind,
        web_root=product.web_root,
        support_agent_id=product.support_agent_id,
        screenshots=list(product.screenshots),
        created_at=product.created_at,
        updated_at=product.updated_at,
        published_at=product.published_at,
    )


class PublishBody(BaseModel):
    """POST /jobs/{ref}/publish."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_NAME_CHARS,
        pattern=TEXT_PATTERN,
        description="default: the job's name (a new product) or the product's",
    )
    tagline: str | None = Field(default=None, max_length=MAX_TAGLINE_CHARS)
    description: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_DESCRIPTION_CHARS,
        pattern=TEXT_PATTERN,
        description="default: the job's description (a new product) or the product's",
    )
    price_usd: PriceUsd | None = Field(
        default=None, description="USD, at most 2 decimals; default 0 (free) or unchanged"
    )
    screenshots: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None,
        max_length=MAX_SCREENSHOTS,
        description="the team's image files' ids (each must be an image file of the team: "
        "422 naming the first that is not)",
    )
    product_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="publish as the next release of this product (a follow-up job); default: "
        "the product this job was published as, else a new one",
    )


class ListingParams(PageParams):
    """GET /products: a page of the listing, in one category, or matching a search."""

    category: Category | None = None
    search: str | None = Field(
        default=None,
        max_length=200,
        description="words a product's name, tagline, category or description has (every "
        "one of them; newest first); words under two letters are ignored",
    )
    sort: Literal["newest", "name"] = Field(
        default="newest", description="ignored with `search` (newest first)"
    )
