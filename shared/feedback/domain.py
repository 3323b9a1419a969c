"""What the feedback code hands around: one rating of a product and a product's summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

RATINGS: Final = (1, 2, 3, 4, 5)
MAX_COMMENT_CHARS: Final = 2000


@dataclass(frozen=True, slots=True)
class Feedback:
    """A rating (and comment) of one product of a seller (`team_id`). A signed-in
    customer has one per product (a second replaces it); `verified` when that customer is
    entitled to the product. A hidden one is the seller's moderation: counted and shown
    nowhere public."""

    id: str
    team_id: str
    product_id: str
    rating: int
    comment: str
    created_at: datetime
    updated_at: datetime
    customer_id: str | None = None
    email: str | None = None
    verified: bool = False
    hidden: bool = False
    version: int | None = None


@dataclass(frozen=True, slots=True)
class RatingSummary:
    """A product's visible ratings, from its counters."""

    product_id: str
    count: int
    by_rating: dict[int, int]
    hidden: int = 0  # the seller's to know, not the storefront's

    @property
    def average(self) -> float | None:
        if not self.count:
            return None
        return round(sum(r * n for r, n in self.by_rating.items()) / self.count, 2)
