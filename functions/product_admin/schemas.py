"""The admin product lifecycle's request and answer shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.pagination import PageParams
from shared.products.domain import (
    MAX_DESCRIPTION_CHARS,
    MAX_NAME_CHARS,
    MAX_SCREENSHOTS,
    MAX_TAGLINE_CHARS,
    Release,
)
from shared.products.schemas import TEXT_PATTERN, Category, PriceUsd, TeamProduct

MAX_BATCH = 10
FileId = Annotated[str, Field(min_length=1, max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ProductIdea(Strict):
    idea: str = Field(min_length=1, max_length=4000, pattern=TEXT_PATTERN)
    category: Category
    instructions: str = Field(default="", max_length=4000)
    name: str | None = Field(
        default=None, min_length=1, max_length=MAX_NAME_CHARS, pattern=TEXT_PATTERN
    )
    price_usd: PriceUsd = 0
    platform: Literal["web", "python-api"] = "web"


class ProductBatch(Strict):
    items: list[ProductIdea] = Field(min_length=1, max_length=MAX_BATCH)


class ProductStarted(BaseModel):
    product: TeamProduct
    job_id: str = Field(description="the job that builds it: its pass publishes the release")


class BatchOutcome(BaseModel):
    index: int
    status: int = Field(description="201 started, else the status the item alone would get")
    product: TeamProduct | None = None
    job_id: str | None = None
    detail: str | None = None


class BatchAnswer(BaseModel):
    items: list[BatchOutcome]


class MarketplaceCopy(Strict):
    name: str | None = Field(
        default=None, min_length=1, max_length=MAX_NAME_CHARS, pattern=TEXT_PATTERN
    )
    tagline: str | None = Field(default=None, max_length=MAX_TAGLINE_CHARS)
    description: str | None = Field(
        default=None, min_length=1, max_length=MAX_DESCRIPTION_CHARS, pattern=TEXT_PATTERN
    )
    category: Category | None = None
    screenshots: list[FileId] | None = Field(default=None, max_length=MAX_SCREENSHOTS)


class StorefrontAdmin(Strict):
    hidden: bool | None = None
    quality_override: int | None = Field(default=None, ge=0, le=100)
    price_usd: PriceUsd | None = None
    support_agent_id: str | None = Field(default=None, min_length=1, max_length=64)


class FollowUp(Strict):
    instructions: str = Field(min_length=1, max_length=4000, pattern=TEXT_PATTERN)


class AdminProductParams(PageParams):
    status: Literal["draft", "published"] | None = None


class ReleaseParams(PageParams):
    product_id: str | None = Field(default=None, min_length=1, max_length=64)


class ReleasePublic(BaseModel):
    product_id: str
    release: int
    job_id: str
    kind: Literal["web", "download"]
    quality_score: int
    published_at: datetime
    published_by: str


def release_public(release: Release) -> ReleasePublic:
    return ReleasePublic(
        product_id=release.product_id,
        release=release.release,
        job_id=release.job_id,
        kind=release.kind,
        quality_score=release.quality_score,
        published_at=release.published_at,
        published_by=release.published_by,
    )
