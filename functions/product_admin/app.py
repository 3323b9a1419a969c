"""The admin product lifecycle (seed 000's admin rows, admins of the team): a product
made from an idea (its job started, its pass publishing the first release), a batch of
them, the team's products in every state, storefront copy and storefront settings, a
follow-up job for the next release, the release list. Another team's product is 404. HTTP
shapes only; the rules are shared.products.lifecycle's and service's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, status

from functions.product_admin.schemas import (
    AdminProductParams,
    BatchAnswer,
    BatchOutcome,
    FollowUp,
    MarketplaceCopy,
    ProductBatch,
    ProductIdea,
    ProductStarted,
    ReleaseParams,
    ReleasePublic,
    StorefrontAdmin,
    release_public,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal
from shared.errors import DomainError, error_responses
from shared.pagination import LIST_RESPONSES, Page, page_answer
from shared.path_ids import IdPath
from shared.products import lifecycle, service
from shared.products.domain import ProductChanges
from shared.products.schemas import TeamProduct, price_cents, team_product

router = group_router(tags=["product-admin"])

_FOUND = error_responses(404, 422)
_FOUND[404]["description"] = "No product of this team with this id"
_CHANGE = {**_FOUND, **error_responses(409)}
_CHANGE[409]["description"] = "The product changed meanwhile: read it again"
_CHANGE[422]["description"] = (
    "The body is invalid, or names a screenshot or agent the team does not have"
)
_START = error_responses(409, 422, 503)
_START[409]["description"] = "A job with this name's slug is being made: try again"


def _idea(body: ProductIdea) -> lifecycle.Idea:
    return lifecycle.Idea(
        idea=body.idea,
        category=body.category,
        instructions=body.instructions,
        name=body.name,
        price_cents=price_cents(body.price_usd),
        platform=body.platform,
    )


@router.post(
    "/admin/products/create",
    status_code=201,
    response_model=ProductStarted,
    responses=_START,
    summary="A product from an idea: its job starts, and its pass publishes the first release",
)
async def create_product(body: ProductIdea, principal: AdminPrincipal) -> ProductStarted:
    product, job = lifecycle.create_from_idea(principal.team_id, principal.subject, _idea(body))
    return ProductStarted(product=team_product(product), job_id=job.id)


@router.post(
    "/admin/products/batch",
    response_model=BatchAnswer,
    responses=error_responses(422),
    summary="Up to 10 products from ideas, each as /admin/products/create; one outcome each",
)
async def create_batch(body: ProductBatch, principal: AdminPrincipal) -> BatchAnswer:
    outcomes: list[BatchOutcome] = []
    for index, item in enumerate(body.items):
        try:
            product, job = lifecycle.create_from_idea(
                principal.team_id, principal.subject, _idea(item)
            )
        except DomainError as exc:
            outcomes.append(BatchOutcome(index=index, status=exc.status_code, detail=exc.detail))
            continue
        outcomes.append(
            BatchOutcome(index=index, status=201, product=team_product(product), job_id=job.id)
        )
    return BatchAnswer(items=outcomes)


@router.get(
    "/admin/pipeline/products",
    response_model=Page[TeamProduct],
    responses=LIST_RESPONSES,
    summary="The team's products in every state, newest first (drafts: a job still building)",
)
async def list_products(
    principal: AdminPrincipal, params: Annotated[AdminProductParams, Query()]
) -> dict[str, Any]:
    items, total, cursor = service.list_team_products(
        principal.team_id, params, status=params.status
    )
    return page_answer([team_product(item) for item in items], total, params, cursor)


@router.get(
    "/admin/pipeline/products/{product_id}",
    response_model=TeamProduct,
    responses=_FOUND,
    summary="One of the team's products, in any state",
)
async def get_product(product_id: IdPath, principal: AdminPrincipal) -> TeamProduct:
    return team_product(service.get_team_product(principal.team_id, product_id))


def _edit(principal: Any, product_id: str, changes: ProductChanges) -> TeamProduct:
    return team_product(
        service.update_product(principal.team_id, product_id, changes, actor=principal.subject)
    )


@router.patch(
    "/admin/pipeline/products/{product_id}/marketplace-copy",
    response_model=TeamProduct,
    responses=_CHANGE,
    summary="The product's storefront copy: name, tagline, description, category, screenshots",
)
async def marketplace_copy(
    product_id: IdPath, body: MarketplaceCopy, principal: AdminPrincipal
) -> TeamProduct:
    changes = ProductChanges(
        name=body.name,
        tagline=body.tagline,
        description=body.description,
        category=body.category,
        screenshots=None if body.screenshots is None else tuple(body.screenshots),
    )
    return _edit(principal, product_id, changes)


@router.patch(
    "/admin/pipeline/products/{product_id}/storefront-admin",
    response_model=TeamProduct,
    responses=_CHANGE,
    summary="The product's storefront settings: hidden, quality override, price, support agent",
)
async def storefront_admin(
    product_id: IdPath, body: StorefrontAdmin, principal: AdminPrincipal
) -> TeamProduct:
    changes = ProductChanges(
        hidden=body.hidden,
        quality_override=body.quality_override,
        price_cents=None if body.price_usd is None else price_cents(body.price_usd),
        support_agent_id=body.support_agent_id,
    )
    return _edit(principal, product_id, changes)


_FOLLOW = {**_CHANGE, **error_responses(503)}


@router.patch(
    "/admin/pipeline/products/{product_id}/followup",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ProductStarted,
    responses=_FOLLOW,
    summary="Start the job that builds the product's next release; its pass publishes it",
)
async def follow_up(
    product_id: IdPath, body: FollowUp, principal: AdminPrincipal
) -> ProductStarted:
    product, job = lifecycle.follow_up(
        principal.team_id, principal.subject, product_id, body.instructions
    )
    return ProductStarted(product=team_product(product), job_id=job.id)


@router.get(
    "/admin/release",
    response_model=Page[ReleasePublic],
    responses={**LIST_RESPONSES, **_FOUND},
    summary="The team's releases, newest first (of one product with product_id)",
)
async def list_releases(
    principal: AdminPrincipal, params: Annotated[ReleaseParams, Query()]
) -> dict[str, Any]:
    items, total, cursor = service.list_releases(
        principal.team_id, params, product_id=params.product_id
    )
    return page_answer([release_public(item) for item in items], total, params, cursor)


app = create_app("product_admin", router)
