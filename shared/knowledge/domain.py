"""A knowledge base entry and a search hit, as the rules see them, and their limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

# An entry's content is kept inline in its item: well under DynamoDB's 400 KB with the
# rest, and a search index row SQLite handles without a thought.
MAX_CONTENT_CHARS: Final = 100_000
MAX_TITLE_CHARS: Final = 300
MAX_CATEGORY_CHARS: Final = 100
MAX_SOURCE_CHARS: Final = 2_000
MAX_TAGS: Final = 20
MAX_TAG_CHARS: Final = 50
DEFAULT_CATEGORY: Final = "general"
# A search ranks at most this deep (offset + limit): past it, refine the words.
MAX_SEARCH_DEPTH: Final = 1_000
# What an agent's system prompt gets from its knowledge category, at most.
CONTEXT_CHARS: Final = 4_000
CONTEXT_ENTRIES: Final = 5

CREATED_EVENT: Final = "knowledge.created"
UPDATED_EVENT: Final = "knowledge.updated"
DELETED_EVENT: Final = "knowledge.deleted"


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """What a create or a replace brings."""

    title: str
    content: str
    category: str = DEFAULT_CATEGORY
    tags: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    team_id: str
    id: str
    title: str
    content: str
    category: str
    tags: tuple[str, ...]
    source: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = 1


@dataclass(frozen=True, slots=True)
class KnowledgeHit:
    """An entry as the index answers it: without its content (GET the entry for it), with
    its rank (`score`, higher is better) and a highlighted snippet when it was searched."""

    id: str
    title: str
    category: str
    tags: tuple[str, ...]
    source: str
    created_at: str
    updated_at: str
    score: float | None = None
    highlight: str | None = None


@dataclass(frozen=True, slots=True)
class IndexVersion:
    """Where a team's index is: the names of its base and delta segments (immutable S3
    objects, a new name per publish, so two writers could never overwrite each other's),
    how many entries the delta changed, the names they replaced (deleted at the next
    publish: a reader may still be fetching them) and the pointer's own version (the
    writer's conditional write)."""

    base: str
    delta: str
    delta_changes: int = 0
    previous: tuple[str, ...] = ()
    version: int = 0

    @property
    def empty(self) -> bool:
        return not self.base
