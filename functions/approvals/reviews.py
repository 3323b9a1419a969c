"""The /code-reviews routes of the approvals group (seed 003 Code Reviews): reviews of the
code a job's reviewer phase or a task produced, listed by status and agent, approved or
rejected once, and commented while open. Another team's review is 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from functions.approvals.review_schemas import (
    CodeReviewListParams,
    CodeReviewPublic,
    CodeReviewSummary,
    ReviewCommentCreate,
    ReviewCommentPublic,
    ReviewDecision,
)
from shared.app_factory import group_router
from shared.approvals import reviews
from shared.approvals.review_domain import ID_PATTERN, Author, ReviewComment, ReviewSummary
from shared.auth.dependencies import CurrentPrincipal
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, PageParams, page_answer

router = group_router(tags=["code-reviews"], responses=error_responses(401, 403, 422))

ReviewId = Annotated[str, Path(pattern=ID_PATTERN)]
# The detail's first page of comments (more through /comments with its cursor).
_DETAIL_COMMENTS = 50

_FOUND = error_responses(404)
_FOUND[404]["description"] = "No such code review in the caller's team"
_DECIDED = error_responses(409)
_DECIDED[409]["description"] = "The review was decided already (approved or rejected)"


def _summary(review: ReviewSummary) -> dict[str, Any]:
    return {
        "id": review.id,
        "status": review.status,
        "source": {"kind": review.source_kind, "id": review.source_id},
        "agent_id": review.agent_id,
        "title": review.title,
        "file_count": review.file_count,
        "created_at": review.created_at,
        "decided_by": review.decided_by,
        "decided_at": review.decided_at,
        "reason": review.reason,
    }


def _comment(comment: ReviewComment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "author": {"kind": comment.author.kind, "id": comment.author.id},
        "body": comment.body,
        "path": comment.path,
        "line": comment.line,
        "created_at": comment.created_at,
    }


@router.get(
    "/code-reviews",
    response_model=Page[CodeReviewSummary],
    responses=LIST_RESPONSES,
    summary="The team's code reviews, newest first: all, of one status, one agent, or both",
)
async def list_reviews(
    principal: CurrentPrincipal, params: Annotated[CodeReviewListParams, Query()]
) -> dict[str, Any]:
    items, total, cursor = reviews.list_reviews(
        principal.team_id, params, status=params.status, agent_id=params.agent_id
    )
    return page_answer([_summary(item) for item in items], total, params, cursor)


@router.get(
    "/code-reviews/{review_id}",
    response_model=CodeReviewPublic,
    responses=_FOUND,
    summary="A code review: its files, summary and first comments",
)
async def get_review(review_id: ReviewId, principal: CurrentPrincipal) -> dict[str, Any]:
    params = PageParams(limit=_DETAIL_COMMENTS)
    review, comments, _, cursor = reviews.list_comments(principal.team_id, review_id, params)
    return {
        **_summary(review),
        "summary": review.summary,
        "files": [
            {
                "path": f.path,
                "language": f.language,
                "content": f.content,
                "size": f.size,
                "truncated": f.truncated,
            }
            for f in review.files
        ],
        "comment_count": review.comment_count,
        "comments": [_comment(item) for item in comments],
        "comments_next_cursor": cursor,
        "updated_at": review.updated_at,
    }


@router.get(
    "/code-reviews/{review_id}/comments",
    response_model=Page[ReviewCommentPublic],
    responses={**LIST_RESPONSES, **_FOUND},
    summary="A code review's comments, oldest first",
)
async def list_comments(
    review_id: ReviewId, principal: CurrentPrincipal, params: Annotated[PageParams, Query()]
) -> dict[str, Any]:
    _, comments, total, cursor = reviews.list_comments(principal.team_id, review_id, params)
    return page_answer([_comment(item) for item in comments], total, params, cursor)


@router.post(
    "/code-reviews/{review_id}/approve",
    response_model=CodeReviewSummary,
    responses={**_FOUND, **_DECIDED},
    summary="Approve the code",
)
async def approve(
    review_id: ReviewId, principal: CurrentPrincipal, body: ReviewDecision | None = None
) -> dict[str, Any]:
    reason = body.reason if body else None
    decided = reviews.decide(
        principal.team_id, review_id, approved=True, decided_by=principal.subject, reason=reason
    )
    return _summary(decided)


@router.post(
    "/code-reviews/{review_id}/reject",
    response_model=CodeReviewSummary,
    responses={**_FOUND, **_DECIDED},
    summary="Reject the code, with the reason",
)
async def reject(
    review_id: ReviewId, principal: CurrentPrincipal, body: ReviewDecision | None = None
) -> dict[str, Any]:
    reason = body.reason if body else None
    decided = reviews.decide(
        principal.team_id, review_id, approved=False, decided_by=principal.subject, reason=reason
    )
    return _summary(decided)


_CLOSED = error_responses(409)
_CLOSED[409]["description"] = "The review was decided: it takes no more comments"


@router.post(
    "/code-reviews/{review_id}/comment",
    status_code=201,
    response_model=ReviewCommentPublic,
    responses={**_FOUND, **_CLOSED},
    summary="Comment on an open code review (on a file and line, or on the whole)",
)
async def add_comment(
    review_id: ReviewId, body: ReviewCommentCreate, principal: CurrentPrincipal
) -> dict[str, Any]:
    posted = reviews.comment(
        principal.team_id,
        review_id,
        Author("user", principal.subject),
        body.body,
        path=body.path,
        line=body.line,
    )
    return _comment(posted)
