"""Product feedback: a storefront visitor rates a listed product (public, limited per
address; a customer token, when sent, makes it that account's one rating of the product,
verified when the account is entitled to it), everyone reads a product's ratings, and the
seller's admins read theirs and hide or show them. HTTP shapes only; the rules are
shared.feedback.service's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse

from functions.feedback.schemas import (
    FeedbackCreate,
    FeedbackSaved,
    FeedbackSeller,
    ProductFeedback,
    SellerFeedbackParams,
    feedback_public,
    feedback_seller,
    product_feedback,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal
from shared.customers.auth import MaybeCustomer
from shared.errors import error_responses
from shared.feedback import service
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.path_ids import IdPath
from shared.ratelimit import Limit, client_ip

router = group_router(tags=["feedback"])
# A person rates a few products an hour; more from one address is a script.
RATINGS_PER_IP = Limit("feedback-ip", requests=10, window_seconds=3600)

_RATE = error_responses(401, 404, 409, 422, 429)
_RATE[401]["description"] = "An Authorization was sent, but not a valid customer token"
_RATE[404]["description"] = "No listed product with this id"
_RATE[409]["description"] = "This account rated the product meanwhile: send it again"
_RATE[429]["description"] = "Too many ratings from this address"
_SELLER = error_responses(401, 403, 404, 422)
_SELLER[404]["description"] = "No product (or rating) of this team with this id"
_MOVE = {**_SELLER, **error_responses(409)}
_MOVE[409]["description"] = "The rating changed meanwhile: send it again"


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackSaved,
    responses={200: {"description": "This account's earlier rating, replaced"}, **_RATE},
    summary="Rate a listed product (1 to 5): an account rates a product once, later ones "
    "replace it",
)
async def rate(body: FeedbackCreate, request: Request, customer: MaybeCustomer) -> JSONResponse:
    RATINGS_PER_IP.hit(client_ip(request))
    feedback, created = service.rate(
        body.product_id, body.rating, body.comment, email=body.email, customer=customer
    )
    answer = FeedbackSaved(**feedback_public(feedback).model_dump(), replaced=not created)
    return JSONResponse(answer.model_dump(mode="json"), status_code=201 if created else 200)


@router.get(
    "/feedback/products/{product_id}",
    response_model=ProductFeedback,
    responses={**LIST_RESPONSES, **error_responses(404)},
    summary="A listed product's ratings: average, count per value, the visible ones newest first",
)
async def product_ratings(product_id: IdPath, page: Pagination) -> ProductFeedback:
    summary, items, cursor = service.product_feedback(product_id, page)
    return product_feedback(summary, items, page.limit, cursor)


@router.get(
    "/feedback",
    response_model=Page[FeedbackSeller],
    responses={**LIST_RESPONSES, **_SELLER},
    summary="The team's ratings (admins): every product's or one's, visible or hidden",
)
async def seller_ratings(
    principal: AdminPrincipal, params: Annotated[SellerFeedbackParams, Query()]
) -> dict[str, Any]:
    items, total, cursor = service.seller_feedback(
        principal.team_id, params, product_id=params.product_id, hidden=params.hidden
    )
    return page_answer([feedback_seller(item) for item in items], total, params, cursor)


@router.post(
    "/feedback/{feedback_id}/hide",
    response_model=FeedbackSeller,
    responses=_MOVE,
    summary="Hide a rating from the storefront and its counts (admins)",
)
async def hide(feedback_id: IdPath, principal: AdminPrincipal) -> FeedbackSeller:
    return feedback_seller(service.set_hidden(principal.team_id, feedback_id, hidden=True))


@router.post(
    "/feedback/{feedback_id}/show",
    response_model=FeedbackSeller,
    responses=_MOVE,
    summary="Show a hidden rating again (admins)",
)
async def show(feedback_id: IdPath, principal: AdminPrincipal) -> FeedbackSeller:
    return feedback_seller(service.set_hidden(principal.team_id, feedback_id, hidden=False))


app = create_app("feedback", router)
