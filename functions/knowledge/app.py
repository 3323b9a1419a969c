"""The knowledge group's app (seed 003 Knowledge Base): entries with title, content,
category, tags and source (CRUD); `GET /knowledge?search=` ranks the matches (bm25) with a
highlighted passage each, from the team's SQLite FTS5 index (shared.knowledge). A change
is searchable once the team's index writer has applied it; reads by id and plain lists
are the table's, at once. Another team's entry is 404."""

from __future__ import annotations

from typing import Any

from functions.knowledge.schemas import (
    KnowledgeCreate,
    KnowledgeFilters,
    KnowledgePublic,
    KnowledgeSummary,
    ReindexAccepted,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.errors import error_responses
from shared.knowledge import service
from shared.knowledge.domain import Entry, EntryDraft, KnowledgeHit
from shared.pagination import LIST_RESPONSES, Page, page_answer
from shared.path_ids import IdPath

router = group_router(tags=["knowledge"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)


def _draft(body: KnowledgeCreate) -> EntryDraft:
    return EntryDraft(
        title=body.title,
        content=body.content,
        category=body.category,
        tags=tuple(body.tags),
        source=body.source,
    )


def _entry(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "title": entry.title,
        "content": entry.content,
        "category": entry.category,
        "tags": list(entry.tags),
        "source": entry.source,
        "created_by": entry.created_by,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    }


def _summary(item: Entry | KnowledgeHit) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": item.id,
        "title": item.title,
        "category": item.category,
        "tags": list(item.tags),
        "source": item.source,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }
    if isinstance(item, KnowledgeHit):
        answer |= {"score": item.score, "highlight": item.highlight}
    return answer


@router.get(
    "/knowledge",
    response_model=Page[KnowledgeSummary],
    responses=LIST_RESPONSES,
    summary="The team's entries: ranked by relevance with highlights when `search` is "
    "given, newest first otherwise",
)
async def list_entries(principal: CurrentPrincipal, params: KnowledgeFilters) -> dict[str, Any]:
    items, total, cursor = service.list_entries(
        principal.team_id,
        params,
        query=params.search,
        category=params.category,
        tag=params.tag,
    )
    return page_answer([_summary(item) for item in items], total, params, cursor)


@router.post(
    "/knowledge",
    status_code=201,
    response_model=KnowledgePublic,
    summary="Add an entry (searchable once the index writer has applied it)",
)
async def create_entry(body: KnowledgeCreate, principal: CurrentPrincipal) -> dict[str, Any]:
    return _entry(service.create_entry(principal.team_id, principal.subject, _draft(body)))


@router.post(
    "/knowledge/reindex",
    status_code=202,
    response_model=ReindexAccepted,
    summary="Rebuild the team's search index from its entries (admins)",
)
async def reindex(principal: AdminPrincipal) -> dict[str, str]:
    service.rebuild_index(principal.team_id)
    return {"status": "queued"}


@router.get(
    "/knowledge/{entry_id:ulid}",
    response_model=KnowledgePublic,
    responses=_FOUND,
    summary="A whole entry",
)
async def get_entry(entry_id: IdPath, principal: CurrentPrincipal) -> dict[str, Any]:
    return _entry(service.get_entry(principal.team_id, entry_id))


@router.put(
    "/knowledge/{entry_id:ulid}",
    response_model=KnowledgePublic,
    responses={**_FOUND, **error_responses(409)},
    summary="Replace an entry's content",
)
async def replace_entry(
    entry_id: IdPath, body: KnowledgeCreate, principal: CurrentPrincipal
) -> dict[str, Any]:
    return _entry(service.replace_entry(principal.team_id, entry_id, _draft(body)))


@router.delete(
    "/knowledge/{entry_id:ulid}",
    status_code=204,
    responses=_FOUND,
    summary="Delete an entry",
)
async def delete_entry(entry_id: IdPath, principal: CurrentPrincipal) -> None:
    service.delete_entry(principal.team_id, entry_id)


app = create_app("knowledge", router)
