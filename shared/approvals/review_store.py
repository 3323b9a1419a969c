"""Code reviews' storage (keys in shared.approvals.review_models); domain objects out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from shared.approvals.review_domain import (
    REVIEW_STATUSES,
    Author,
    CodeReview,
    ReviewComment,
    ReviewFile,
    ReviewStatus,
    ReviewSummary,
)
from shared.approvals.review_models import (
    ReviewCommentItem,
    ReviewCounterItem,
    ReviewItem,
    ReviewListItem,
    agent_count_key,
    agent_key,
    agent_status_key,
    all_key,
    comment_key,
    count_key,
    review_key,
    status_key,
)
from shared.db.base import get_or_none, team_partition
from shared.db.batch import get_many
from shared.db.query import prefix_page
from shared.db.transactions import condition_failed, transact
from shared.errors import Conflict
from shared.pagination import PageParams


def _moment(created_at: datetime) -> str:
    """The creation time as a list key orders it: fixed width, UTC."""
    return created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def _summary_fields(review: ReviewSummary) -> dict[str, Any]:
    return {
        "team_id": review.team_id,
        "review_id": review.id,
        "status": review.status,
        "source_kind": review.source_kind,
        "source_id": review.source_id,
        "agent_id": review.agent_id,
        "title": review.title,
        "file_count": review.file_count,
        "decided_by": review.decided_by,
        "decided_at": review.decided_at,
        "reason": review.reason,
        "created_at": review.created_at,
    }


def _to_summary(item: ReviewListItem) -> ReviewSummary:
    return ReviewSummary(
        team_id=item.team_id,
        id=item.review_id,
        status=item.status,  # type: ignore[arg-type]  # written from ReviewStatus only
        source_kind=item.source_kind,  # type: ignore[arg-type]  # written from SourceKind
        source_id=item.source_id,
        agent_id=item.agent_id,
        title=item.title,
        file_count=int(item.file_count or 0),
        created_at=item.created_at,
        decided_by=item.decided_by,
        decided_at=item.decided_at,
        reason=item.reason,
    )


def _to_review(item: ReviewItem) -> CodeReview:
    files = tuple(
        ReviewFile(
            path=str(entry["path"]),
            language=entry.get("language"),
            content=str(entry.get("content", "")),
            size=int(entry.get("size", 0)),
            truncated=bool(entry.get("truncated", False)),
        )
        for entry in item.files or ()
    )
    return CodeReview(
        team_id=item.team_id,
        id=item.review_id,
        status=item.status,  # type: ignore[arg-type]  # written from ReviewStatus only
        source_kind=item.source_kind,  # type: ignore[arg-type]  # written from SourceKind
        source_id=item.source_id,
        agent_id=item.agent_id,
        title=item.title,
        file_count=len(files),
        created_at=item.created_at,
        decided_by=item.decided_by,
        decided_at=item.decided_at,
        reason=item.reason,
        summary=item.summary,
        files=files,
        comment_count=int(item.comment_count or 0),
        updated_at=item.updated_at,
    )


def _to_comment(item: ReviewCommentItem) -> ReviewComment:
    return ReviewComment(
        team_id=item.team_id,
        review_id=item.review_id,
        id=item.comment_id,
        author=Author(kind=item.author_kind, id=item.author_id),  # type: ignore[arg-type]
        body=item.body,
        path=item.path,
        line=None if item.line is None else int(item.line),
        created_at=item.created_at,
    )


def _comment_item(comment: ReviewComment) -> ReviewCommentItem:
    return ReviewCommentItem(
        team_partition(comment.team_id),
        comment_key(comment.review_id, comment.id),
        team_id=comment.team_id,
        review_id=comment.review_id,
        comment_id=comment.id,
        author_kind=comment.author.kind,
        author_id=comment.author.id,
        body=comment.body,
        path=comment.path,
        line=comment.line,
        created_at=comment.created_at,
        updated_at=comment.created_at,
    )


def _status_keys(review: ReviewSummary, status: str) -> list[str]:
    """The keys of the copies that move with the status (per status, per agent and status)."""
    moment = _moment(review.created_at)
    keys = [status_key(status, moment, review.id)]
    if review.agent_id is not None:
        keys.append(agent_status_key(review.agent_id, status, moment, review.id))
    return keys


def _fixed_keys(review: ReviewSummary) -> list[str]:
    """The keys of the copies that stay put (every review, per agent)."""
    moment = _moment(review.created_at)
    keys = [all_key(moment, review.id)]
    if review.agent_id is not None:
        keys.append(agent_key(review.agent_id, moment, review.id))
    return keys


def _count(transaction: TransactWrite, review: ReviewSummary, status: str, delta: int) -> None:
    partition = team_partition(review.team_id)
    keys = [count_key(status)]
    if review.agent_id is not None:
        keys.append(agent_count_key(review.agent_id, status))
    for key in keys:
        transaction.update(
            ReviewCounterItem(partition, key),
            actions=[
                ReviewCounterItem.total.add(delta),
                ReviewCounterItem.team_id.set(review.team_id),
            ],
            add_version_condition=False,
        )


def create_review(review: CodeReview, comments: Sequence[ReviewComment] = ()) -> bool:
    """The review, its list copies, its counts and its opening comments in one transaction,
    only if no review has its id yet (False then: it was opened before)."""
    partition = team_partition(review.team_id)
    files = [
        {
            "path": f.path,
            "language": f.language,
            "content": f.content,
            "size": f.size,
            "truncated": f.truncated,
        }
        for f in review.files
    ]

    def write(transaction: TransactWrite) -> None:
        item = ReviewItem(
            partition,
            review_key(review.id),
            summary=review.summary,
            files=files,
            comment_count=len(comments),
            updated_at=review.created_at,
            **_summary_fields(review),
        )
        transaction.save(item, condition=ReviewItem.pk.does_not_exist())
        for key in [*_fixed_keys(review), *_status_keys(review, review.status)]:
            copy = ReviewListItem(partition, key, **_summary_fields(review))
            transaction.save(copy, condition=ReviewListItem.pk.does_not_exist())
        for comment in comments:
            transaction.save(
                _comment_item(comment), condition=ReviewCommentItem.pk.does_not_exist()
            )
        _count(transaction, review, review.status, 1)

    reasons = transact(write, what="code review")
    if not reasons:
        return True
    # Puts come before updates in a cancellation's reasons; the review is the first put.
    if condition_failed(reasons, 0):
        return False
    raise Conflict("the code review was stored by another request")


def get_review(team_id: str, review_id: str, *, consistent: bool = False) -> CodeReview | None:
    item = get_or_none(
        ReviewItem, team_partition(team_id), review_key(review_id), consistent=consistent
    )
    return None if item is None else _to_review(item)


def _decision(
    model: type[ReviewItem | ReviewListItem], after: ReviewSummary, moment: datetime
) -> list[Action]:
    """What a decision sets on the review and on each copy that keeps its key."""
    actions: list[Action] = [
        model.status.set(after.status),
        model.decided_at.set(moment),
        model.updated_at.set(moment),
    ]
    # A null attribute is absent, not stored as null.
    for attribute, value in ((model.decided_by, after.decided_by), (model.reason, after.reason)):
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def decide(
    review: CodeReview,
    status: ReviewStatus,
    *,
    decided_by: str | None,
    reason: str | None,
    moment: datetime,
) -> CodeReview | None:
    """open → `status`: the review, its copies and the counts in one transaction,
    conditioned on the review still being open (None when it is not)."""
    after = replace(review, status=status, decided_by=decided_by, decided_at=moment, reason=reason)
    partition = team_partition(review.team_id)

    def write(transaction: TransactWrite) -> None:
        for key in _status_keys(review, review.status):
            transaction.delete(ReviewListItem(partition, key), add_version_condition=False)
        for key in _status_keys(after, status):
            copy = ReviewListItem(partition, key, **_summary_fields(after))
            transaction.save(copy, condition=ReviewListItem.pk.does_not_exist())
        transaction.update(
            ReviewItem(partition, review_key(review.id)),
            actions=_decision(ReviewItem, after, moment),
            condition=ReviewItem.status == "open",
            add_version_condition=False,
        )
        for key in _fixed_keys(review):
            transaction.update(
                ReviewListItem(partition, key),
                actions=_decision(ReviewListItem, after, moment),
                add_version_condition=False,
            )
        _count(transaction, review, review.status, -1)
        _count(transaction, review, status, 1)

    if transact(write, what="code review"):
        return None
    return replace(after, updated_at=moment)


def add_comment(review: CodeReview, comment: ReviewComment) -> bool:
    """Store `comment` and count it on its review, only while the review is open (False
    when it is not: decided since it was read)."""
    partition = team_partition(review.team_id)

    def write(transaction: TransactWrite) -> None:
        transaction.save(_comment_item(comment), condition=ReviewCommentItem.pk.does_not_exist())
        # Not conditioned on the version read: comments posted at once all land; only a
        # decision in between (the status) refuses one.
        transaction.update(
            ReviewItem(partition, review_key(review.id)),
            actions=[
                ReviewItem.comment_count.add(1),
                ReviewItem.updated_at.set(comment.created_at),
            ],
            condition=ReviewItem.status == "open",
            add_version_condition=False,
        )

    return not transact(write, what="code review comment")


def _counts(team_id: str, agent_id: str | None) -> dict[ReviewStatus, int]:
    partition = team_partition(team_id)
    keys = {
        status: (
            ReviewCounterItem,
            partition,
            count_key(status) if agent_id is None else agent_count_key(agent_id, status),
        )
        for status in REVIEW_STATUSES
    }
    found = get_many(list(keys.values()))
    return {
        status: int(found[key].total or 0) if key in found else 0 for status, key in keys.items()
    }


def list_reviews(
    team_id: str, params: PageParams, *, status: ReviewStatus | None, agent_id: str | None
) -> tuple[list[ReviewSummary], int, str | None]:
    """Newest first, one Query of one list's copies; the total from the counters, so
    neither reads the whole history."""
    counts = _counts(team_id, agent_id)
    if agent_id is None:
        prefix = all_key() if status is None else status_key(status)
    else:
        prefix = agent_key(agent_id) if status is None else agent_status_key(agent_id, status)
    total = sum(counts.values()) if status is None else counts[status]
    items, cursor = prefix_page(
        ReviewListItem, team_partition(team_id), prefix, params, newest_first=True
    )
    return [_to_summary(item) for item in items], total, cursor


def list_comments(
    review: CodeReview, params: PageParams
) -> tuple[list[ReviewComment], int, str | None]:
    """The review's comments oldest first (a conversation reads in order); the total is
    the review's count."""
    items, cursor = prefix_page(
        ReviewCommentItem,
        team_partition(review.team_id),
        comment_key(review.id),
        params,
        newest_first=False,
    )
    return [_to_comment(item) for item in items], review.comment_count, cursor
