"""The knowledge group's request and answer shapes (seed 003 Knowledge Base)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.knowledge.domain import (
    DEFAULT_CATEGORY,
    MAX_CATEGORY_CHARS,
    MAX_CONTENT_CHARS,
    MAX_SOURCE_CHARS,
    MAX_TAG_CHARS,
    MAX_TAGS,
    MAX_TITLE_CHARS,
)
from shared.pagination import PageParams
from shared.request_fields import trimmed

# A knowledge entry's id in its path: ULIDs (another shape is 404 before any read).
ID_PATTERN = r"^[0-9A-Za-z]{1,64}$"

Title = Annotated[str, trimmed(MAX_TITLE_CHARS)]
Content = Annotated[str, trimmed(MAX_CONTENT_CHARS)]
Category = Annotated[str, trimmed(MAX_CATEGORY_CHARS)]
Tag = Annotated[str, trimmed(MAX_TAG_CHARS)]
Source = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_SOURCE_CHARS)]
SearchText = Annotated[str, StringConstraints(max_length=500)]


class KnowledgeCreate(BaseModel):
    """An entry: POST /knowledge creates one, PUT /knowledge/{id} replaces one's content."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    title: Title
    content: Content
    category: Category = DEFAULT_CATEGORY
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    source: Source = Field(default="", description="where the text comes from (a URL, a book)")

    @model_validator(mode="after")
    def _tags_once(self) -> KnowledgeCreate:
        self.tags = list(dict.fromkeys(self.tags))
        return self


class KnowledgePublic(BaseModel):
    """A whole entry."""

    model_config = ConfigDict(defer_build=True)

    id: str
    title: str
    content: str
    category: str
    tags: list[str]
    source: str
    created_by: str
    created_at: datetime
    updated_at: datetime


class KnowledgeSummary(BaseModel):
    """An entry in a list (GET one for its content); a search adds its rank and a
    highlighted snippet."""

    model_config = ConfigDict(defer_build=True)

    id: str
    title: str
    category: str
    tags: list[str]
    source: str
    created_at: datetime
    updated_at: datetime
    score: float | None = Field(
        default=None, description="bm25 relevance (higher ranks first); null without search"
    )
    highlight: str | None = Field(
        default=None,
        description="the best-matching passage, HTML-escaped, matched words in <mark>; "
        "null without search",
    )


class KnowledgeListParams(PageParams):
    search: SearchText | None = Field(
        default=None,
        description="words every answered entry contains (stemmed, case and accents "
        "ignored), ranked by relevance; seen once the index writer has applied a change",
    )
    category: Category | None = Field(default=None, description="only this category")
    tag: Tag | None = Field(default=None, description="only entries with this tag")


# The filters share the one query model with the page parameters: PageParams refuses
# query parameters it does not name.
KnowledgeFilters = Annotated[KnowledgeListParams, Query()]


class ReindexAccepted(BaseModel):
    status: str = Field(description="queued: the team's index is rebuilt from its entries")
