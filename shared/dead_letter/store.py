"""Dead-letter storage: items and the team's pending counts in the events table (keys in
shared.dead_letter.models), `DeadLetter` and `DeadLetterStats` out.

Adding an item, marking it retried and deleting a pending one are each one
TransactWriteItems: the item's write and an ``ADD`` on the stats item, so the counts are
exact under any concurrency and never need the items read.

DynamoDB per call:
  add_item, mark_retried, delete_item   one TransactWriteItems
  get_item                              one consistent GetItem
  list_items                            one Query + one COUNT Query
  oldest_pending                        one Query on the status index (more pages only when
                                        a filter leaves items out)
  stats                                 one GetItem (stats) + one Query of one item
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import cast

from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import query_page
from shared.db.transactions import condition_failed, transact
from shared.dead_letter.domain import (
    SOURCES,
    DeadLetter,
    DeadLetterStats,
    Source,
    Status,
)
from shared.dead_letter.models import (
    ITEM_PREFIX,
    STATS_SK,
    DeadLetterItem,
    DeadLetterStatsItem,
    counter_name,
    item_key,
    pending_counter,
    status_key,
)
from shared.errors import Conflict
from shared.ids import utcnow
from shared.pagination import PageParams


def _to_dead_letter(item: DeadLetterItem) -> DeadLetter:
    return DeadLetter(
        id=item.item_id,
        team_id=item.team_id,
        source=cast(Source, item.source),  # written from a Source
        status=cast(Status, item.status),
        error=item.error,
        payload=item.payload,
        origin_queue=item.origin_queue,
        created_at=item.created_at,
        retried_at=item.retried_at,
        version=item.version,
    )


def _to_item(letter: DeadLetter) -> DeadLetterItem:
    item = DeadLetterItem(
        team_partition(letter.team_id),
        item_key(letter.id),
        team_id=letter.team_id,
        item_id=letter.id,
        source=letter.source,
        status=letter.status,
        error=letter.error,
        payload=letter.payload,
        origin_queue=letter.origin_queue,
        retried_at=letter.retried_at,
        created_at=letter.created_at,
        gsi1pk=status_key(letter.team_id, letter.status),
        gsi1sk=letter.id,
    )
    if letter.version is not None:
        item.version = letter.version
    return item


def _count(transaction: TransactWrite, team_id: str, source: str, delta: int) -> None:
    """ADD `delta` to the team's pending count of `source` (the first ADD creates the item)."""
    stats = DeadLetterStatsItem(team_partition(team_id), STATS_SK)
    stats.version = 0  # not read: PynamoDB then ADDs 1 to the stored version, never SETs it
    now = utcnow()
    transaction.update(
        stats,
        actions=[
            DeadLetterStatsItem.team_id.set(team_id),
            DeadLetterStatsItem.created_at.set(DeadLetterStatsItem.created_at | now),
            DeadLetterStatsItem.updated_at.set(now),
            pending_counter(source).add(delta),
        ],
        add_version_condition=False,
    )


def add_item(letter: DeadLetter) -> DeadLetter:
    """Store a new pending item and count it (one TransactWriteItems)."""
    item = _to_item(letter)

    def write(transaction: TransactWrite) -> None:
        transaction.save(item, condition=DeadLetterItem.pk.does_not_exist())
        _count(transaction, letter.team_id, letter.source, 1)

    if transact(write, what="dead-letter item"):
        raise Conflict("dead-letter item already exists")  # a fresh id never collides
    return _to_dead_letter(item)


def get_item(team_id: str, item_id: str) -> DeadLetter:
    """The team's item (consistent: a change is conditioned on its version); NotFound."""
    with storage_errors("dead-letter item"):
        item = DeadLetterItem.get(team_partition(team_id), item_key(item_id), consistent_read=True)
    return _to_dead_letter(item)


def mark_retried(current: DeadLetter, at: datetime) -> DeadLetter | None:
    """`current`, pending as read, marked retried and uncounted (one TransactWriteItems);
    None when it changed since it was read (another retry got there first, or a delete)."""
    changed = current.model_copy(update={"status": "retried", "retried_at": at})
    item = _to_item(changed)

    def write(transaction: TransactWrite) -> None:
        # On the version read, and only while pending.
        transaction.save(item, condition=DeadLetterItem.status == "pending")
        _count(transaction, current.team_id, current.source, -1)

    if condition_failed(transact(write, what="dead-letter item"), 0):
        return None
    return _to_dead_letter(item)


def delete_item(current: DeadLetter) -> None:
    """Delete the item as read, uncounting it when it was pending (one TransactWriteItems);
    Conflict when it changed since it was read."""
    item = _to_item(current)

    def write(transaction: TransactWrite) -> None:
        transaction.delete(item)  # on the version read
        if current.status == "pending":
            _count(transaction, current.team_id, current.source, -1)

    if transact(write, what="dead-letter item"):
        raise Conflict("dead-letter item was changed by another request; reload and retry")


def list_items(
    team_id: str,
    params: PageParams,
    *,
    source: Source | None = None,
    status: Status | None = None,
) -> tuple[list[DeadLetter], int, str | None]:
    """The team's items, newest first: (page, total, next_cursor). With a status, one Query
    of the status index; without, one of the team's items; each with a COUNT Query."""
    by_source = DeadLetterItem.source == source if source is not None else None
    if status is not None:
        items, total, cursor = query_page(
            DeadLetterItem.by_status,
            status_key(team_id, status),
            params,
            filter_condition=by_source,
        )
    else:
        items, total, cursor = query_page(
            DeadLetterItem,
            team_partition(team_id),
            params,
            range_key_condition=DeadLetterItem.sk.startswith(ITEM_PREFIX),
            filter_condition=by_source,
        )
    return [_to_dead_letter(item) for item in items], total, cursor


def oldest_pending(
    team_id: str, limit: int, *, source: Source | None = None, retryable: bool = False
) -> Iterator[DeadLetter]:
    """At most `limit` of the team's pending items, oldest first; `retryable`: only those
    with a queue to go back to."""
    conditions: list[Condition] = []
    if source is not None:
        conditions.append(DeadLetterItem.source == source)
    if retryable:
        conditions.append(DeadLetterItem.origin_queue.exists())
    condition: Condition | None = None
    for each in conditions:
        condition = each if condition is None else condition & each
    with storage_errors("dead-letter items"):
        for item in DeadLetterItem.by_status.query(
            status_key(team_id, "pending"),
            filter_condition=condition,
            scan_index_forward=True,
            limit=limit,
        ):
            yield _to_dead_letter(item)


def stats(team_id: str, now: datetime) -> DeadLetterStats:
    """The pending counts (one GetItem) and the oldest pending item's age (one Query of
    one item on the status index)."""
    counts = get_or_none(DeadLetterStatsItem, team_partition(team_id), STATS_SK)
    by_source: dict[str, int] = {
        source: int(getattr(counts, counter_name(source)) or 0) if counts is not None else 0
        for source in SOURCES
    }
    oldest = next(oldest_pending(team_id, 1), None)
    age = None
    if oldest is not None:
        age = max(0, int((now - oldest.created_at).total_seconds()))
    return DeadLetterStats(
        total=sum(by_source.values()), by_source=by_source, oldest_age_seconds=age
    )
