"""Products as the services see them, and the storefront's rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ProductStatus = Literal["draft", "published"]
ProductKind = Literal["web", "download"]
ListingSort = Literal["newest", "name"]

# The quality rule: a published product is listed only at this score or above (an admin's
# quality_override stands in for the computed score).
MIN_QUALITY = 60
# The score of a passed job: 100, less this much per warning its checks (qa, runtime,
# security) left and per repair attempt it needed, never below 0.
WARNING_COST = 5
REPAIR_COST = 10
CHECK_REPORTS = ("qa", "runtime", "security")
# A category is a slug (`saas`, `landing-pages`): it is a key of the listing.
CATEGORY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
MAX_SCREENSHOTS = 8
MAX_NAME_CHARS = 120
MAX_TAGLINE_CHARS = 200
MAX_DESCRIPTION_CHARS = 5000
# Cents: $0 (free) to $10,000.
MAX_PRICE_CENTS = 1_000_000


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    team_id: str
    job_id: str | None
    name: str
    category: str
    description: str
    created_at: datetime
    updated_at: datetime
    tagline: str | None = None
    price_cents: int = 0
    currency: str = "usd"
    status: ProductStatus = "draft"
    hidden: bool = False
    quality_score: int = 0
    quality_override: int | None = None
    release: int = 0
    kind: ProductKind = "download"
    web_root: str | None = None
    support_agent_id: str | None = None
    screenshots: tuple[str, ...] = ()
    published_at: datetime | None = None
    # The stored version this was read at: a change is saved only on it (else 409).
    version: int | None = None

    @property
    def effective_quality(self) -> int:
        return self.quality_score if self.quality_override is None else self.quality_override

    @property
    def listed(self) -> bool:
        """Shown in the public storefront: published, not hidden, good enough."""
        return (
            self.status == "published"
            and not self.hidden
            and self.release > 0
            and self.effective_quality >= MIN_QUALITY
        )


@dataclass(frozen=True, slots=True)
class ProductChanges:
    """What an edit may change; None leaves a field as it is."""

    name: str | None = None
    category: str | None = None
    tagline: str | None = None
    description: str | None = None
    price_cents: int | None = None
    hidden: bool | None = None
    quality_override: int | None = None
    screenshots: tuple[str, ...] | None = None
    support_agent_id: str | None = None


@dataclass(frozen=True, slots=True)
class PublishFields:
    """What publishing a job's result says about the product (None: keep or derive)."""

    category: str
    name: str | None = None
    tagline: str | None = None
    description: str | None = None
    price_cents: int | None = None
    screenshots: tuple[str, ...] | None = None
    product_id: str | None = None


@dataclass(frozen=True, slots=True)
class Release:
    """One published version of a product: the job it came from and its ZIP."""

    product_id: str
    team_id: str
    release: int
    job_id: str
    zip_key: str
    kind: ProductKind
    web_root: str | None
    quality_score: int
    published_at: datetime
    published_by: str


@dataclass(frozen=True, slots=True)
class ListedProduct:
    """A listed product's public summary, as the listing holds it."""

    id: str
    seller_id: str
    name: str
    tagline: str | None
    category: str
    price_cents: int
    currency: str
    kind: ProductKind
    release: int
    quality_score: int
    published_at: datetime


@dataclass(frozen=True, slots=True)
class CategoryCount:
    category: str
    count: int


@dataclass(frozen=True, slots=True)
class ListingQuery:
    category: str | None = None
    search: str | None = None
    sort: ListingSort = "newest"
