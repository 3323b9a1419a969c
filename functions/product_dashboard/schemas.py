"""The dashboard's and discovery runs' request and answer shapes (names prefixed: schema
names are global across groups)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from shared.dashboard.figures import Figures, public
from shared.discovery.domain import MAX_THEME_CHARS, MAX_TOP_K, DiscoveryRun
from shared.numbers import JSON_NUMBER
from shared.products.schemas import TEXT_PATTERN, Category


class DashboardFigures(BaseModel):
    """The team's figures, from counters."""

    products_drafts: int = Field(description="products whose first job has not passed yet")
    products_published: int
    products_listed: int = Field(description="published and shown on the storefront")
    orders_paid: int
    revenue_usd: float
    refunded_usd: float
    support_open: int = Field(description="open support sessions (counted up to 1000)")
    support_escalated: int = Field(description="escalated support sessions (up to 1000)")
    support_capped: bool = Field(description="a support count reached its 1000 cap")
    generated_at: datetime


def dashboard_figures(figures: Figures) -> DashboardFigures:
    return DashboardFigures(**public(figures))


class DiscoveryRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    theme: str | None = Field(
        default=None, min_length=1, max_length=MAX_THEME_CHARS, pattern=TEXT_PATTERN
    )
    # A JSON integer (9.0 too, as JSON Schema counts it), never a string or a boolean.
    top_k: Annotated[int, Field(ge=1, le=MAX_TOP_K), JSON_NUMBER] = Field(
        default=5, description="at most this many ideas"
    )
    create_product: StrictBool = Field(
        default=False, description="start a product (and its job) from each idea"
    )
    category: Category | None = Field(
        default=None, description="the products' category (default: ideas)"
    )


class DiscoveryIdea(BaseModel):
    text: str
    product_id: str | None = Field(default=None, description="the product started from it")
    job_id: str | None = None
    error: str | None = Field(default=None, description="why no product was started")


class DiscoveryRunPublic(BaseModel):
    id: str
    status: Literal["queued", "running", "completed", "failed"]
    theme: str | None
    top_k: int
    create_product: bool
    category: str | None
    ideas: list[DiscoveryIdea]
    provider: str | None = None
    model: str | None = None
    error: str | None = Field(default=None, description="why the run failed")
    requested_by: str
    created_at: datetime
    updated_at: datetime


def discovery_run_public(run: DiscoveryRun) -> DiscoveryRunPublic:
    return DiscoveryRunPublic(
        id=run.id,
        status=run.status,
        theme=run.theme,
        top_k=run.top_k,
        create_product=run.create_product,
        category=run.category,
        ideas=[
            DiscoveryIdea(
                text=idea.text, product_id=idea.product_id, job_id=idea.job_id, error=idea.error
            )
            for idea in run.ideas
        ],
        provider=run.provider,
        model=run.model,
        error=run.error,
        requested_by=run.requested_by,
        created_at=run.created_at,
        updated_at=run.updated_at,
    )
