"""Request and response shapes of /code-reviews (seed 003 Code Reviews)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.approvals.review_domain import (
    MAX_COMMENT_CHARS,
    MAX_FILE_CHARS,
    AuthorKind,
    ReviewStatus,
    SourceKind,
)
from shared.numbers import JSON_NUMBER
from shared.pagination import PageParams
from shared.request_fields import trimmed

AGENT_ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"


class ReviewSourcePublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    kind: SourceKind = Field(description="job: a job's reviewer phase; task: a task's result")
    id: str


class ReviewAuthorPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    kind: AuthorKind
    id: str | None = Field(description="the user or agent; null: the built-in reviewer")


class ReviewFilePublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    path: str
    language: str | None
    content: str = Field(
        description=f"the file's text, or its first {MAX_FILE_CHARS} characters (truncated)"
    )
    size: int = Field(description="characters in the whole file")
    truncated: bool


class ReviewCommentPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    author: ReviewAuthorPublic
    body: str
    path: str | None
    line: int | None
    created_at: datetime


class CodeReviewSummary(BaseModel):
    """A review as lists show it (its files and comments: GET /code-reviews/{id})."""

    model_config = ConfigDict(defer_build=True)

    id: str
    status: ReviewStatus
    source: ReviewSourcePublic
    agent_id: str | None
    title: str
    file_count: int
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


class CodeReviewPublic(CodeReviewSummary):
    summary: str | None = Field(
        description="the reviewer's report (a job), or the task's result (a task)"
    )
    files: list[ReviewFilePublic]
    comment_count: int
    comments: list[ReviewCommentPublic] = Field(
        description="the first page of comments, oldest first; more with "
        "GET /code-reviews/{id}/comments?cursor=comments_next_cursor"
    )
    comments_next_cursor: str | None
    updated_at: datetime | None


class CodeReviewListParams(PageParams):
    """GET /code-reviews: every review of the team, or those of one status, one agent, or
    both (each one Query, newest first)."""

    status: ReviewStatus | None = None
    agent_id: Annotated[str, StringConstraints(pattern=AGENT_ID_PATTERN)] | None = None


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    reason: Annotated[str, trimmed(2000)] | None = None


class ReviewCommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    body: Annotated[str, trimmed(MAX_COMMENT_CHARS)]
    path: Annotated[str, trimmed(500)] | None = Field(
        default=None, description="the file the comment is about"
    )
    line: Annotated[int, Field(ge=1, le=10_000_000), JSON_NUMBER] | None = Field(
        default=None,
        description="a line of `path`; without path, a line of the review's summary",
    )
