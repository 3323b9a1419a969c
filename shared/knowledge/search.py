"""Reading a team's knowledge index: ranked search, tag listings, an agent's context.

Each read asks the pointer where the index is (one GetItem), then queries this
container's copies of the segments it names, downloaded only when they changed (the small
delta, on most writes) and opened once per version: a warm search is a GetItem and a
SQLite query, whatever the size of the base. A write is seen once the indexer has
published it (the knowledge-index queue: seconds), not at once.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import DomainError
from shared.knowledge import index, segments, store
from shared.knowledge.domain import (
    CONTEXT_CHARS,
    CONTEXT_ENTRIES,
    IndexVersion,
    KnowledgeHit,
)
from shared.observability import logger
from shared.pagination import PageParams

# Teams whose open index this container keeps (each a connection and its /tmp files).
OPEN_TEAMS = 16


@dataclass(slots=True)
class _Opened:
    base: str
    delta: str
    connection: sqlite3.Connection
    lock: threading.Lock


_opened: OrderedDict[str, _Opened] = OrderedDict()
_opened_lock = threading.Lock()


def _open(team_id: str, version: IndexVersion) -> _Opened:
    with _opened_lock:
        found = _opened.get(team_id)
        if found is not None and (found.base, found.delta) == (version.base, version.delta):
            _opened.move_to_end(team_id)
            return found
    connection = index.open_readonly(
        segments.fetch(team_id, version.base), segments.fetch(team_id, version.delta)
    )
    opened = _Opened(version.base, version.delta, connection, threading.Lock())
    with _opened_lock:
        stale = _opened.pop(team_id, None)
        _opened[team_id] = opened
        while len(_opened) > OPEN_TEAMS:
            _, evicted = _opened.popitem(last=False)
            evicted.connection.close()
    if stale is not None:
        with stale.lock:
            stale.connection.close()
    return opened


def _index(team_id: str) -> _Opened | None:
    """The team's index as the pointer names it now (None: nothing indexed yet). A
    segment deleted between the pointer's read and its download: the pointer is read again."""
    for attempt in range(3):
        version = store.index_version(team_id, consistent=attempt > 0)
        if version.empty:
            return None
        try:
            return _open(team_id, version)
        except (segments.Gone, sqlite3.OperationalError):
            if attempt == 2:
                raise
    return None


def forget() -> None:
    """Close every open index (tests, and a container's /tmp wiped)."""
    with _opened_lock:
        for opened in _opened.values():
            opened.connection.close()
        _opened.clear()


def search(
    team_id: str, query: str, *, category: str | None = None, limit: int = 10
) -> list[KnowledgeHit]:
    """The `limit` entries (of `category`) best matching every word of `query`."""
    return search_page(team_id, query, category=category, limit=limit)[0]


def search_page(
    team_id: str,
    query: str,
    *,
    category: str | None = None,
    tag: str | None = None,
    limit: int = 10,
    offset: int = 0,
    any_term: bool = False,
) -> tuple[list[KnowledgeHit], int]:
    """The entries matching every word of `query` (or any, ranked by how well), best
    first, from `offset`; and how many match in all."""
    match = index.match_expression(query, any_term=any_term)
    opened = _index(team_id)
    if match is None or opened is None:
        return [], 0
    wanted = index.Query(match, category=category, tag=tag, depth=offset + limit)
    with opened.lock:
        hits, total = index.search(opened.connection, wanted, with_delta=True)
    return hits[offset:], total


def tagged(
    team_id: str, tag: str, *, category: str | None = None, limit: int = 20, offset: int = 0
) -> tuple[list[KnowledgeHit], int]:
    """The entries with `tag` (and in `category`), newest first; how many in all."""
    opened = _index(team_id)
    if opened is None:
        return [], 0
    wanted = index.Query("", category=category, tag=tag)
    with opened.lock:
        return index.tagged(opened.connection, wanted, with_delta=True, offset=offset, limit=limit)


def context_for(
    team_id: str,
    category: str,
    prompt: str,
    *,
    max_chars: int = CONTEXT_CHARS,
    entries: int = CONTEXT_ENTRIES,
) -> str:
    """The category's entries that best match `prompt` (any of its words, ranked), as text
    for a system prompt, at most `max_chars`; the newest of the category when none match;
    "" when the category has no entry."""
    hits, _ = search_page(team_id, prompt, category=category, limit=entries, any_term=True)
    if not hits:
        found, _, _ = store.list_entries(team_id, PageParams(limit=entries), category)
        texts = [(entry.title, entry.content) for entry in found]
    else:
        opened = _index(team_id)
        if opened is None:
            return ""
        with opened.lock:
            bodies = index.contents(opened.connection, [hit.id for hit in hits], with_delta=True)
        texts = [(hit.title, bodies.get(hit.id, "")) for hit in hits]
    return _fit(category, texts, max_chars)


def _fit(category: str, texts: list[tuple[str, str]], max_chars: int) -> str:
    """`texts` as `## title` sections under a heading, cut to `max_chars` in all (an entry
    cut short ends with an ellipsis; entries that no longer fit are left out)."""
    if not texts:
        return ""
    out = f"Knowledge base ({category}):"
    for title, content in texts:
        section = f"\n\n## {title}\n{content.strip()}"
        room = max_chars - len(out)
        if room <= len(f"\n\n## {title}\n") + 1:
            break
        if len(section) > room:
            out += section[: room - 1] + index.ELLIPSIS
            break
        out += section
    return out[:max_chars]


def with_knowledge(team_id: str, system_prompt: str, category: str | None, prompt: str) -> str:
    """An agent's system prompt followed by its knowledge category's context for
    `prompt` (as it is when the agent has no category, or the category no entry)."""
    if not category:
        return system_prompt
    try:
        context = context_for(team_id, category, prompt)
    except (BotoCoreError, ClientError, DomainError, segments.Gone, sqlite3.Error):
        # The agent runs without its context rather than not at all; the log says why.
        logger.exception("knowledge context unavailable", extra={"category": category})
        return system_prompt
    if not context:
        return system_prompt
    return f"{system_prompt}\n\n{context}" if system_prompt else context
