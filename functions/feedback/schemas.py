"""Feedback's request and answer shapes (names prefixed: schema names are global)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.feedback.domain import MAX_COMMENT_CHARS, Feedback, RatingSummary
from shared.identity.fields import EmailStr
from shared.numbers import JSON_NUMBER
from shared.pagination import PageParams

Rating = Annotated[int, Field(ge=1, le=5), JSON_NUMBER]


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    product_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    # A JSON integer (4.0 too, as JSON Schema counts it), never a string or a boolean.
    rating: Rating = Field(description="1 (poor) to 5 (excellent)")
    comment: Annotated[str, StringConstraints(max_length=MAX_COMMENT_CHARS)] = ""
    email: EmailStr | None = Field(
        default=None,
        description="for the seller only, never shown (a signed-in customer's own is used)",
    )


class SellerFeedbackParams(PageParams):
    """GET /feedback: the seller's ratings, newest first."""

    product_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None, description="one product of the team's (another's is 404)"
    )
    hidden: bool = Field(default=False, description="the hidden ratings instead")


class FeedbackPublic(BaseModel):
    """A rating as the storefront shows it: no e-mail, no account."""

    id: str
    product_id: str
    rating: int
    comment: str
    verified_buyer: bool = Field(description="rated from an account entitled to the product")
    created_at: datetime
    updated_at: datetime


class FeedbackSeller(FeedbackPublic):
    customer_id: str | None
    email: str | None
    hidden: bool


class FeedbackSaved(FeedbackPublic):
    replaced: bool = Field(description="this account's earlier rating of the product was replaced")


class ProductFeedback(BaseModel):
    """A listed product's visible ratings: the summary from counters, and a page of them."""

    product_id: str
    average: float | None = Field(description="the mean rating (None: no rating yet)")
    count: int
    by_rating: dict[str, int] = Field(description='ratings per value, "1" to "5"')
    items: list[FeedbackPublic]
    limit: int
    next_cursor: str | None = None


def feedback_public(feedback: Feedback) -> FeedbackPublic:
    return FeedbackPublic(
        id=feedback.id,
        product_id=feedback.product_id,
        rating=feedback.rating,
        comment=feedback.comment,
        verified_buyer=feedback.verified,
        created_at=feedback.created_at,
        updated_at=feedback.updated_at,
    )


def feedback_seller(feedback: Feedback) -> FeedbackSeller:
    return FeedbackSeller(
        **feedback_public(feedback).model_dump(),
        customer_id=feedback.customer_id,
        email=feedback.email,
        hidden=feedback.hidden,
    )


def product_feedback(
    summary: RatingSummary, items: list[Feedback], limit: int, cursor: str | None
) -> ProductFeedback:
    return ProductFeedback(
        product_id=summary.product_id,
        average=summary.average,
        count=summary.count,
        by_rating={str(rating): count for rating, count in summary.by_rating.items()},
        items=[feedback_public(item) for item in items],
        limit=limit,
        next_cursor=cursor,
    )
