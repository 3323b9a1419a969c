"""Marketing's request and answer shapes (names prefixed: schema names are global)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.identity.fields import EmailStr
from shared.marketing.domain import SubscriberCounts, Subscription
from shared.products.domain import Product
from shared.products.schemas import ProductSummary

Token = Annotated[str, StringConstraints(min_length=16, max_length=100, pattern=r"^[\w-]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class HighlightParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    per_category: int = Field(
        default=3, ge=1, le=10, description="the newest products shown of each category"
    )


class MarketingHighlight(BaseModel):
    category: str
    count: int = Field(description="listed products in the category")
    products: list[ProductSummary] = Field(description="its newest, first")


class MarketingHighlights(BaseModel):
    categories: list[MarketingHighlight] = Field(
        description="the categories with the most listed products (12 at most)"
    )


class ShareCard(BaseModel):
    """What a link to a product shows where it is shared."""

    product_id: str
    title: str
    description: str
    image_url: str | None = Field(description="the first screenshot, presigned for an hour")
    url: str = Field(description="the product's page")
    price_usd: float
    currency: str
    open_graph: dict[str, Any] = Field(
        description="og:type, og:title, og:description, og:url, og:image, "
        "product:price:amount, product:price:currency"
    )


class SubscribeBody(Strict):
    email: EmailStr
    product_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None, description="a listed product's updates (default: the storefront's)"
    )


class SubscribeAnswer(BaseModel):
    status: Literal["pending"] = "pending"
    detail: str = "if the address may subscribe, a confirmation was sent to it"


class TokenBody(Strict):
    token: Token = Field(description="from the confirmation e-mail")


class SubscriptionPublic(BaseModel):
    product_id: str | None = Field(description="None: the storefront's updates")
    status: Literal["pending", "confirmed", "unsubscribed"]
    confirmed_at: datetime | None


class SubscriberCountsPublic(BaseModel):
    product_id: str
    name: str
    pending: int
    confirmed: int


class Subscriber(BaseModel):
    email: str
    confirmed_at: datetime | None


def subscription_public(subscription: Subscription) -> SubscriptionPublic:
    from shared.marketing.domain import STOREFRONT

    return SubscriptionPublic(
        product_id=None if subscription.scope == STOREFRONT else subscription.scope,
        status=subscription.status,
        confirmed_at=subscription.confirmed_at,
    )


def counts_public(product: Product, counts: SubscriberCounts) -> SubscriberCountsPublic:
    return SubscriberCountsPublic(
        product_id=product.id,
        name=product.name,
        pending=counts.pending,
        confirmed=counts.confirmed,
    )
