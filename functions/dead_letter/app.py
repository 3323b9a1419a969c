"""Dead-letter routes: HTTP shapes and auth only; every route takes an admin.

Another team's item is 404 (items are keyed under their team). A retried item cannot be
retried again (409): its payload went back to its queue, and a new failure there makes a
new item.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from functions.dead_letter.schemas import (
    DeadLetterCreate,
    DeadLetterFilters,
    DeadLetterPublic,
    DeadLetterStatsPublic,
    RetryAllAnswer,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal
from shared.dead_letter import service
from shared.dead_letter.domain import DeadLetter, Source
from shared.dead_letter.service import MAX_RETRY_ALL
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, page_answer

router = group_router(tags=["dead-letter"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)


def _public(letter: DeadLetter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "source": letter.source,
        "status": letter.status,
        "error": letter.error,
        "payload": letter.payload,
        "origin_queue": letter.origin_queue,
        "created_at": letter.created_at,
        "retried_at": letter.retried_at,
    }


@router.get(
    "/dead-letter",
    response_model=Page[DeadLetterPublic],
    responses=LIST_RESPONSES,
    summary="The team's dead-letter items, newest first",
)
async def list_dead_letters(principal: AdminPrincipal, params: DeadLetterFilters) -> dict[str, Any]:
    items, total, cursor = service.listing(
        principal.team_id, params, source=params.source, status=params.status
    )
    return page_answer([_public(item) for item in items], total, params, cursor)


@router.post(
    "/dead-letter",
    status_code=201,
    response_model=DeadLetterPublic,
    responses=error_responses(413),
    summary="Add an item by hand (source manual)",
    description="With `origin_queue`, the payload must be one that queue takes from the "
    "team (422 otherwise): its `team_id`, if any, is the caller's, and a FIFO queue's "
    "grouping field is present.",
)
async def add_dead_letter(body: DeadLetterCreate, principal: AdminPrincipal) -> dict[str, Any]:
    letter = service.add_by_hand(principal.team_id, body.error, body.payload, body.origin_queue)
    return _public(letter)


@router.get(
    "/dead-letter/stats",
    response_model=DeadLetterStatsPublic,
    summary="Pending items: how many, by source, and the oldest one's age",
)
async def dead_letter_stats(principal: AdminPrincipal) -> DeadLetterStatsPublic:
    stats = service.stats(principal.team_id)
    return DeadLetterStatsPublic(
        total=stats.total, by_source=stats.by_source, oldest_age_seconds=stats.oldest_age_seconds
    )


@router.post(
    "/dead-letter/retry-all",
    response_model=RetryAllAnswer,
    responses=error_responses(503),
    summary="Send pending items back to their queues, oldest first, at most `limit` per call",
)
async def retry_all_dead_letters(
    principal: AdminPrincipal,
    limit: Annotated[
        int, Query(ge=1, le=MAX_RETRY_ALL, description="at most this many items")
    ] = MAX_RETRY_ALL,
    source: Annotated[Source | None, Query(description="only items from this source")] = None,
) -> RetryAllAnswer:
    return RetryAllAnswer(queued=service.retry_all(principal.team_id, limit, source))


@router.get(
    "/dead-letter/{dead_letter_id}",
    response_model=DeadLetterPublic,
    responses=_FOUND,
    summary="One dead-letter item, with its payload",
)
async def get_dead_letter(dead_letter_id: str, principal: AdminPrincipal) -> dict[str, Any]:
    return _public(service.get(principal.team_id, dead_letter_id))


@router.post(
    "/dead-letter/{dead_letter_id}/retry",
    response_model=DeadLetterPublic,
    responses={
        **_FOUND,
        **error_responses(409, 503),
    },
    summary="Send the item's original payload back to the queue it came from",
)
async def retry_dead_letter(dead_letter_id: str, principal: AdminPrincipal) -> dict[str, Any]:
    return _public(service.retry(principal.team_id, dead_letter_id))


@router.delete(
    "/dead-letter/{dead_letter_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(404, 409),
    summary="Remove a dead-letter item",
)
async def delete_dead_letter(dead_letter_id: str, principal: AdminPrincipal) -> Response:
    service.delete(principal.team_id, dead_letter_id)
    return Response(status_code=204)


app = create_app("dead_letter", router)
