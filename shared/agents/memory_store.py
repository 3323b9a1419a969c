"""Memory storage: an agent's memories and their running totals in the agents table (keys
in shared.agents.models), `Memory` and `MemoryStats` in and out.

Each add, replacement and deletion is one transaction: a ConditionCheck that the agent is
live (shared.agents.store), the memory's write (conditioned on the version read for a
replacement or deletion) and ``ADD``s on the agent's stats item. The stats are therefore
exact under any concurrency and never need the memories read; concurrent transactions on
one stats item are retried (shared.db.transactions).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from shared.agents.domain import Memory
from shared.agents.models import (
    MemoryItem,
    MemoryStatsItem,
    category_counter,
    memory_key,
    stats_key,
    unread,
)
from shared.agents.schemas import MEMORY_CATEGORIES, MemoryCategory, MemoryStats
from shared.agents.store import check_live
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import query_page
from shared.db.transactions import Reasons, condition_failed, transact
from shared.db.versioned import LostRace
from shared.errors import NotFound
from shared.ids import utcnow
from shared.pagination import PageParams

# Every category has its counter on the stats item (fails at import, not at the first add).
for _category in MEMORY_CATEGORIES:
    category_counter(_category)


def _to_memory(item: MemoryItem) -> Memory:
    return Memory(
        team_id=item.team_id,
        agent_id=item.agent_id,
        memory_id=item.memory_id,
        content=item.content,
        category=cast(MemoryCategory, item.category),  # written from a MemoryCategory
        importance=int(item.importance),
        tags=[str(tag) for tag in item.tags or ()],
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=item.version,
    )


def _to_item(memory: Memory) -> MemoryItem:
    item = MemoryItem(
        team_partition(memory.team_id),
        memory_key(memory.agent_id, memory.memory_id),
        team_id=memory.team_id,
        agent_id=memory.agent_id,
        memory_id=memory.memory_id,
        content=memory.content,
        category=memory.category,
        importance=memory.importance,
        tags=list(memory.tags),
        created_at=memory.created_at,
        updated_at=memory.updated_at,
    )
    if memory.version is not None:
        item.version = memory.version
    return item


def _stats_actions(
    team_id: str,
    agent_id: str,
    now: datetime,
    *,
    count: int,
    characters: int,
    categories: dict[str, int],
    added: bool = False,
) -> list[Action]:
    """ADD the deltas to the agent's stats (UpdateItem creates the item at the first add)."""
    actions: list[Action] = [
        MemoryStatsItem.team_id.set(team_id),
        MemoryStatsItem.agent_id.set(agent_id),
        MemoryStatsItem.created_at.set(MemoryStatsItem.created_at | now),
        MemoryStatsItem.updated_at.set(now),
    ]
    if count:
        actions.append(MemoryStatsItem.memories.add(count))
    if characters:
        actions.append(MemoryStatsItem.characters.add(characters))
    actions += [
        category_counter(category).add(delta) for category, delta in categories.items() if delta
    ]
    if added:
        actions.append(MemoryStatsItem.last_added_at.set(now))
    return actions


def _stats_item(team_id: str, agent_id: str) -> MemoryStatsItem:
    return unread(MemoryStatsItem(team_partition(team_id), stats_key(agent_id)))


def _written(reasons: Reasons) -> None:
    """A memory transaction's outcome: the agent's check failed (it is gone), or the
    memory's condition did (it changed since it was read), or nothing did."""
    if condition_failed(reasons, 0):
        raise NotFound("agent not found")
    if reasons:
        raise LostRace


def add_memory(memory: Memory) -> Memory:
    """Store a new memory and count it (one TransactWriteItems); NotFound when its agent is
    not there or deleted."""
    item = _to_item(memory)

    def write(transaction: TransactWrite) -> None:
        check_live(transaction, memory.team_id, memory.agent_id)
        transaction.save(item, condition=MemoryItem.pk.does_not_exist())
        transaction.update(
            _stats_item(memory.team_id, memory.agent_id),
            actions=_stats_actions(
                memory.team_id,
                memory.agent_id,
                memory.created_at,
                count=1,
                characters=len(memory.content),
                categories={memory.category: 1},
                added=True,
            ),
            add_version_condition=False,
        )

    if transact(write):
        raise NotFound("agent not found")  # the check failed: a fresh memory id never collides
    return _to_memory(item)


def get_memory(team_id: str, agent_id: str, memory_id: str) -> Memory:
    """The memory (one consistent GetItem: a replacement is conditioned on its version);
    NotFound when there is none."""
    with storage_errors("memory"):
        item = MemoryItem.get(
            team_partition(team_id), memory_key(agent_id, memory_id), consistent_read=True
        )
    return _to_memory(item)


def replace_memory(current: Memory, changed: Memory) -> Memory:
    """Write `changed` over `current`, as read, and move the stats by the change in length
    and category (one TransactWriteItems). NotFound when the agent is gone; LostRace when
    the memory changed since `current` was read."""
    item = _to_item(changed)
    item.version = current.version

    def write(transaction: TransactWrite) -> None:
        check_live(transaction, current.team_id, current.agent_id)
        transaction.save(item)  # on the version read: a change since then cancels it
        characters = len(changed.content) - len(current.content)
        categories: dict[str, int] = {current.category: -1, changed.category: 1}
        if current.category == changed.category:
            categories = {}
        if characters or categories:
            transaction.update(
                _stats_item(current.team_id, current.agent_id),
                actions=_stats_actions(
                    current.team_id,
                    current.agent_id,
                    changed.updated_at,
                    count=0,
                    characters=characters,
                    categories=categories,
                ),
                add_version_condition=False,
            )

    _written(transact(write))
    return _to_memory(item)


def delete_memory(current: Memory) -> None:
    """Delete the memory as read and uncount it (one TransactWriteItems). NotFound when the
    agent is gone; LostRace when the memory changed since `current` was read."""
    item = _to_item(current)

    def write(transaction: TransactWrite) -> None:
        check_live(transaction, current.team_id, current.agent_id)
        transaction.delete(item)  # on the version read, like a replacement
        transaction.update(
            _stats_item(current.team_id, current.agent_id),
            actions=_stats_actions(
                current.team_id,
                current.agent_id,
                utcnow(),
                count=-1,
                characters=-len(current.content),
                categories={current.category: -1},
            ),
            add_version_condition=False,
        )

    _written(transact(write))


def list_memories(
    team_id: str,
    agent_id: str,
    params: PageParams,
    *,
    category: MemoryCategory | None = None,
) -> tuple[list[Memory], int, str | None]:
    """The agent's memories, newest first: (page, total, next_cursor). One Query on the
    agent's range, and one with Select=COUNT."""
    items, total, cursor = query_page(
        MemoryItem,
        team_partition(team_id),
        params,
        range_key_condition=MemoryItem.sk.startswith(memory_key(agent_id)),
        filter_condition=(MemoryItem.category == category) if category else None,
    )
    return [_to_memory(item) for item in items], total, cursor


def memory_stats(team_id: str, agent_id: str) -> MemoryStats:
    """The agent's running totals (one GetItem); all zero before its first memory."""
    item = get_or_none(MemoryStatsItem, team_partition(team_id), stats_key(agent_id))
    if item is None:
        empty = {str(category): 0 for category in MEMORY_CATEGORIES}
        return MemoryStats(agent_id=agent_id, count=0, total_characters=0, by_category=empty)
    return MemoryStats(
        agent_id=agent_id,
        count=int(item.memories),
        total_characters=int(item.characters),
        by_category={
            str(category): int(getattr(item, f"{category}_count") or 0)
            for category in MEMORY_CATEGORIES
        },
        last_added_at=item.last_added_at,
    )
