"""POST /jobs/{job_ref}/publish: a passed job's result for sale in the storefront."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from shared.app_factory import group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.errors import error_responses
from shared.products import service
from shared.products.domain import PublishFields
from shared.products.schemas import PublishBody, TeamProduct, price_cents, team_product

router = group_router(tags=["products"])
_ANSWERS = {
    200: {"model": TeamProduct, "description": "A new release of the job's product"},
    **error_responses(404, 409, 422),
}
_ANSWERS[404]["description"] = "No such job, product or screenshot file in the team"
_ANSWERS[409]["description"] = "The job has not passed or has no export yet"
_ANSWERS[422]["description"] = (
    "The body is invalid, or a screenshot is not an image file of the team (named)"
)


@router.post(
    "/jobs/{job_ref}/publish",
    status_code=201,
    response_model=TeamProduct,
    responses=_ANSWERS,
    summary="Publish a passed job's result as a product (201), or as the next release of "
    "its product (200)",
)
async def publish(
    job_ref: Annotated[str, "a job's id or slug"],
    body: PublishBody,
    principal: CurrentPrincipal,
    response: Response,
) -> TeamProduct:
    fields = PublishFields(
        category=body.category,
        name=body.name,
        tagline=body.tagline,
        description=body.description,
        price_cents=None if body.price_usd is None else price_cents(body.price_usd),
        screenshots=None if body.screenshots is None else tuple(body.screenshots),
        product_id=body.product_id,
    )
    product, created = service.publish_from_job(
        principal.team_id, job_ref, fields, actor=principal.subject
    )
    if not created:
        response.status_code = 200
    return team_product(product)
