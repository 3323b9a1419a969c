"""Knowledge base storage (keys in shared.knowledge.models): the only module of the area
that touches the table; domain objects out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from pynamodb.transactions import TransactWrite

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import prefix_page
from shared.db.transactions import transact
from shared.errors import BadRequest, Conflict
from shared.ids import looks_like_id, utcnow
from shared.knowledge.domain import Entry, IndexVersion
from shared.knowledge.models import (
    COUNT_KEY,
    ENTRY_PREFIX,
    INDEX_KEY,
    EntryCountItem,
    EntryItem,
    IndexPointerItem,
    category_key,
    entry_key,
)
from shared.pagination import PageParams, decode_cursor, encode_cursor


def _count_key(category: str | None = None) -> str:
    return COUNT_KEY if category is None else f"{COUNT_KEY}#{category}"


def _to_entry(item: EntryItem) -> Entry:
    return Entry(
        team_id=item.team_id,
        id=item.entry_id,
        title=item.title,
        content=item.content,
        category=item.category,
        tags=tuple(str(tag) for tag in item.tags or ()),
        source=item.source or "",
        created_by=item.created_by,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version or 0),
    )


def _fields(entry: Entry) -> dict[str, Any]:
    return {
        "title": entry.title,
        "content": entry.content,
        "category": entry.category,
        "tags": list(entry.tags),
        "source": entry.source,
        "gsi1pk": category_key(entry.team_id, entry.category),
        "gsi1sk": entry.id,
    }


def _add_count(transaction: TransactWrite, team_id: str, key: str, delta: int) -> None:
    transaction.update(
        EntryCountItem(team_partition(team_id), key),
        actions=[EntryCountItem.total.add(delta), EntryCountItem.team_id.set(team_id)],
        add_version_condition=False,
    )


def create_entry(entry: Entry) -> Entry:
    """The entry and the team's and its category's counts, in one transaction."""
    item = EntryItem(
        team_partition(entry.team_id),
        entry_key(entry.id),
        team_id=entry.team_id,
        entry_id=entry.id,
        created_by=entry.created_by,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        **_fields(entry),
    )

    def write(transaction: TransactWrite) -> None:
        transaction.save(item, condition=EntryItem.pk.does_not_exist())
        _add_count(transaction, entry.team_id, _count_key(), 1)
        _add_count(transaction, entry.team_id, _count_key(entry.category), 1)

    if transact(write, what="knowledge entry"):
        raise Conflict("the entry was stored by another request")
    return replace(entry, version=1)


def get_entry(team_id: str, entry_id: str) -> Entry | None:
    if not looks_like_id(entry_id):
        return None
    item = get_or_none(EntryItem, team_partition(team_id), entry_key(entry_id))
    return None if item is None else _to_entry(item)


def get_entries(team_id: str, entry_ids: Iterable[str]) -> dict[str, Entry]:
    """The entries of these ids that exist (BatchGetItem), by id, read at once."""
    keys = [(team_partition(team_id), entry_key(i)) for i in dict.fromkeys(entry_ids)]
    if not keys:
        return {}
    with storage_errors("knowledge entries"):
        items = list(EntryItem.batch_get(keys))
    return {item.entry_id: _to_entry(item) for item in items}


def count(team_id: str, category: str | None = None) -> int:
    item = get_or_none(EntryCountItem, team_partition(team_id), _count_key(category))
    return 0 if item is None else max(int(item.total or 0), 0)


def list_entries(
    team_id: str, params: PageParams, category: str | None = None
) -> tuple[list[Entry], int, str | None]:
    """The team's entries newest first (one Query of the prefix, or of the category's
    index key), the total from the counts."""
    if category is None:
        items, cursor = prefix_page(EntryItem, team_partition(team_id), ENTRY_PREFIX, params)
    else:
        items, cursor = _category_page(team_id, category, params)
    return [_to_entry(item) for item in items], count(team_id, category), cursor


def _category_page(
    team_id: str, category: str, params: PageParams
) -> tuple[list[EntryItem], str | None]:
    """One page of the category's index key, newest first, without a count (the count
    item answers it). A cursor of another list is refused: "Invalid cursor"."""
    partition = category_key(team_id, category)
    start_key: dict[str, Any] | None = None
    skip = params.offset
    if params.cursor is not None:
        flat = decode_cursor(params.cursor)
        if flat.get("gsi1pk") != partition:
            raise BadRequest("Invalid cursor")
        start_key = {name: {"S": value} for name, value in flat.items()}
        skip = 0
    with storage_errors("list"):
        results = EntryItem.by_category.query(
            partition,
            scan_index_forward=False,
            limit=skip + params.limit,
            last_evaluated_key=start_key,
        )
        items = list(results)[skip:]
        last = results.last_evaluated_key
    cursor = (
        encode_cursor({name: value["S"] for name, value in last.items()})
        if last and items
        else None
    )
    return items, cursor


def iter_entries(team_id: str) -> Iterator[Entry]:
    """Every entry of the team, page by page (a rebuild of its index)."""
    with storage_errors("knowledge entries"):
        for item in EntryItem.query(
            team_partition(team_id), EntryItem.sk.startswith(ENTRY_PREFIX), page_size=500
        ):
            yield _to_entry(item)


def replace_entry(entry: Entry, previous_category: str) -> Entry | None:
    """Write `entry`'s content over the stored one, on condition that it is still there at
    the version it was read (None: deleted meanwhile; Conflict: changed meanwhile); a new
    category moves one from the old category's count to the new one's."""
    keys = EntryItem(team_partition(entry.team_id), entry_key(entry.id))
    keys.version = entry.version
    now = utcnow()
    actions = [getattr(EntryItem, name).set(value) for name, value in _fields(entry).items()]
    actions.append(EntryItem.updated_at.set(now))

    def write(transaction: TransactWrite) -> None:
        transaction.update(keys, actions=actions, condition=EntryItem.pk.exists())
        if previous_category != entry.category:
            _add_count(transaction, entry.team_id, _count_key(previous_category), -1)
            _add_count(transaction, entry.team_id, _count_key(entry.category), 1)

    if transact(write, what="knowledge entry"):
        if get_entry(entry.team_id, entry.id) is None:
            return None
        raise Conflict("the entry was changed by another request; reload and retry")
    return replace(entry, updated_at=now, version=entry.version + 1)


def delete_entry(entry: Entry) -> bool:
    """Whether there was an entry to delete (the entry and its counts in one transaction)."""

    def write(transaction: TransactWrite) -> None:
        transaction.delete(
            EntryItem(team_partition(entry.team_id), entry_key(entry.id)),
            condition=EntryItem.pk.exists(),
            add_version_condition=False,
        )
        _add_count(transaction, entry.team_id, _count_key(), -1)
        _add_count(transaction, entry.team_id, _count_key(entry.category), -1)

    return not transact(write, what="knowledge entry")


def index_version(team_id: str, *, consistent: bool = False) -> IndexVersion:
    """The team's index pointer (an empty index before the first write)."""
    item = get_or_none(IndexPointerItem, team_partition(team_id), INDEX_KEY, consistent=consistent)
    if item is None:
        return IndexVersion(base="", delta="")
    return IndexVersion(
        base=item.base_name,
        delta=item.delta_name,
        delta_changes=int(item.delta_changes or 0),
        previous=tuple(str(name) for name in item.previous or ()),
        version=int(item.version or 0),
    )


def publish_version(team_id: str, read: IndexVersion, new: IndexVersion) -> None:
    """Point the team's index at `new`, on condition that it still points where `read`
    said (Conflict: another writer published meanwhile)."""
    item = IndexPointerItem(
        team_partition(team_id),
        INDEX_KEY,
        team_id=team_id,
        base_name=new.base,
        delta_name=new.delta,
        delta_changes=new.delta_changes,
        previous=list(new.previous),
    )
    with storage_errors("knowledge index"):
        if read.version:
            item.version = read.version  # PynamoDB conditions the save on it
            item.save()
        else:
            item.save(condition=IndexPointerItem.pk.does_not_exist())
