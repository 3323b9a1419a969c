"""The knowledge base's rules: entries stored at once (reads by id and plain lists are
the table's), each change queued to the team's index writer, which search reads.

Listing: with `search`, the index ranks the matches (filtered by category and tag); with
a `tag` alone the index lists them newest first (the table has no key for a tag); else
a Query of the team's entries (or of the category's index key).
"""

from __future__ import annotations

from dataclasses import replace

from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import NotFound
from shared.ids import new_id, utcnow
from shared.knowledge import indexer, search, store
from shared.knowledge.domain import MAX_SEARCH_DEPTH, Entry, EntryDraft, KnowledgeHit
from shared.observability import logger
from shared.pagination import PageParams, decode_cursor, encode_cursor


def _queue(team_id: str, entry_id: str) -> None:
    """The change to the writer. The entry is stored whatever happens here: should SQS
    refuse, the index misses it until the next change of the entry or a rebuild (POST
    /knowledge/reindex), which the log says."""
    try:
        indexer.queue_change(team_id, entry_id)
    except (BotoCoreError, ClientError):
        logger.exception("knowledge change not queued", extra={"entry_id": entry_id})


def create_entry(team_id: str, user_id: str, draft: EntryDraft) -> Entry:
    now = utcnow()
    entry = store.create_entry(
        Entry(
            team_id=team_id,
            id=new_id(),
            title=draft.title,
            content=draft.content,
            category=draft.category,
            tags=draft.tags,
            source=draft.source,
            created_by=user_id,
            created_at=now,
            updated_at=now,
        )
    )
    _queue(team_id, entry.id)
    return entry


def get_entry(team_id: str, entry_id: str) -> Entry:
    entry = store.get_entry(team_id, entry_id)
    if entry is None:
        raise NotFound("knowledge entry not found")
    return entry


def replace_entry(team_id: str, entry_id: str, draft: EntryDraft) -> Entry:
    """The entry's content replaced (a change since it was read here is Conflict)."""
    current = get_entry(team_id, entry_id)
    changed = replace(
        current,
        title=draft.title,
        content=draft.content,
        category=draft.category,
        tags=draft.tags,
        source=draft.source,
    )
    stored = store.replace_entry(changed, current.category)
    if stored is None:
        raise NotFound("knowledge entry not found")
    _queue(team_id, entry_id)
    return stored


def delete_entry(team_id: str, entry_id: str) -> None:
    entry = get_entry(team_id, entry_id)
    if not store.delete_entry(entry):
        raise NotFound("knowledge entry not found")
    _queue(team_id, entry_id)


def rebuild_index(team_id: str) -> None:
    """The team's index rebuilt from its entries by its writer."""
    indexer.queue_rebuild(team_id)


def _offset(params: PageParams, list_name: str) -> int:
    """Where a page of the index's answers starts: its cursor's offset (a cursor of
    another list is "Invalid cursor", 400), else `offset`."""
    from shared.errors import BadRequest

    if params.cursor is None:
        return params.offset
    found = decode_cursor(params.cursor)
    if found.get("list") != list_name or not found.get("offset", "").isdigit():
        raise BadRequest("Invalid cursor")
    return int(found["offset"])


def _next(
    list_name: str, offset: int, count: int, total: int, limit: int, depth: int | None = None
) -> str | None:
    end = offset + count
    if count < limit or end >= (total if depth is None else min(total, depth)):
        return None
    return encode_cursor({"list": list_name, "offset": str(end)})


def list_entries(
    team_id: str,
    params: PageParams,
    *,
    query: str | None = None,
    category: str | None = None,
    tag: str | None = None,
) -> tuple[list[Entry] | list[KnowledgeHit], int, str | None]:
    """A page of entries: ranked by `query` when there is one, newest first otherwise;
    (items, total, next_cursor). A ranked list goes at most MAX_SEARCH_DEPTH deep."""
    if query is not None:
        offset = min(_offset(params, "search"), MAX_SEARCH_DEPTH)
        limit = min(params.limit, MAX_SEARCH_DEPTH - offset)
        hits, total = search.search_page(
            team_id, query, category=category, tag=tag, limit=limit, offset=offset
        )
        cursor = _next("search", offset, len(hits), total, params.limit, MAX_SEARCH_DEPTH)
        return hits, total, cursor
    if tag is not None:
        offset = _offset(params, "tag")
        hits, total = search.tagged(
            team_id, tag, category=category, limit=params.limit, offset=offset
        )
        return hits, total, _next("tag", offset, len(hits), total, params.limit)
    return store.list_entries(team_id, params, category)
