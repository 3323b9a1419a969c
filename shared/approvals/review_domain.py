"""A code review and its comments (seed 003 Code Reviews): what the reviews code hands
around, and the size caps that keep a review one DynamoDB item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, get_args

ReviewStatus = Literal["open", "approved", "rejected"]
REVIEW_STATUSES: tuple[ReviewStatus, ...] = get_args(ReviewStatus)
SourceKind = Literal["job", "task"]
AuthorKind = Literal["user", "agent"]

OPENED: Final = "code_review.opened"
APPROVED: Final = "code_review.approved"
REJECTED: Final = "code_review.rejected"
COMMENTED: Final = "code_review.commented"

# The review item holds its files and summary inline: excerpts, not the whole tree, so it
# stays far below DynamoDB's 400 KB (the job's full tree stays in S3, the task's result
# on the task).
MAX_FILES: Final = 50
MAX_FILE_CHARS: Final = 16_000
MAX_FILES_CHARS: Final = 160_000
MAX_SUMMARY_CHARS: Final = 16_000
MAX_TITLE_CHARS: Final = 200
MAX_COMMENT_CHARS: Final = 8_000
# Comments an opener (the reviewer phase) adds with the review, in its one transaction
# (DynamoDB takes 100 items per transaction; the review and its copies take at most 7).
MAX_OPENING_COMMENTS: Final = 40
# A review's id is its source's kind and id: whatever opens it twice opens the same one.
ID_PATTERN: Final = r"^(job|task)[0-9A-HJKMNP-TV-Z]{26}$"


def review_id_for(kind: SourceKind, source_id: str) -> str:
    return f"{kind}{source_id}"


@dataclass(frozen=True, slots=True)
class Author:
    kind: AuthorKind
    # A user's id, or an agent's; None for the built-in reviewer (no agent configured).
    id: str | None


@dataclass(frozen=True, slots=True)
class ReviewFile:
    path: str
    language: str | None
    # The file's text, or its first MAX_FILE_CHARS characters (`truncated`); empty once
    # the review's MAX_FILES_CHARS are spent.
    content: str
    size: int  # characters in the whole file
    truncated: bool


@dataclass(frozen=True, slots=True)
class ReviewComment:
    team_id: str
    review_id: str
    id: str
    author: Author
    body: str
    path: str | None
    line: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    """A review as lists show it (what each list copy holds)."""

    team_id: str
    id: str
    status: ReviewStatus
    source_kind: SourceKind
    source_id: str
    agent_id: str | None
    title: str
    file_count: int
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CodeReview(ReviewSummary):
    """The review itself: its summary text, files and how many comments it has."""

    summary: str | None = None
    files: tuple[ReviewFile, ...] = ()
    comment_count: int = 0
    updated_at: datetime | None = None


def event_data(review: ReviewSummary) -> dict[str, object]:
    """The detail of code_review.opened / approved / rejected (files and text left out:
    read them from the review)."""
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
        "reason": review.reason,
    }


def comment_data(comment: ReviewComment) -> dict[str, object]:
    """The detail of code_review.commented (the text left out: read it from the review)."""
    return {
        "team_id": comment.team_id,
        "review_id": comment.review_id,
        "comment_id": comment.id,
        "author_kind": comment.author.kind,
        "author_id": comment.author.id,
        "path": comment.path,
        "line": comment.line,
    }
