"""Agent memories (what an agent keeps between jobs) and their running totals.

A memory's public id is ``<agent id>.<memory id>``. The routes ``PUT/DELETE
/agents/memories/{id}`` name no agent and the memory's key needs it; carrying it in the id
costs nothing, where a pointer item would cost a read per call and a write per add. Both
parts are checked before any key is built, so an id cannot reach another agent's key
space, and the team always comes from the caller.

Each add, update and delete is one transaction: a ConditionCheck that the agent is live,
the memory's write (conditioned on its version for update and delete) and ``ADD``s on the
agent's stats item. The stats are therefore exact under any concurrency and never need the
memories read; concurrent transactions on one stats item are retried (shared.db.transactions).

DynamoDB per call:
  add_memory      one TransactWriteItems (check, Put, Update)
  update_memory   one GetItem + one TransactWriteItems (check, Put, Update when the
                  length or category changed); again after a lost race
  delete_memory   one GetItem + one TransactWriteItems (check, Delete, Update)
  get_memory      one GetItem (memory) + one GetItem (agent)
  list_memories   one GetItem (agent) + one Query on the agent's range (+ a COUNT Query)
  memory_stats    one GetItem (agent) + one GetItem (stats)
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import partial

from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from shared.agents.models import (
    AgentItem,
    MemoryItem,
    MemoryStatsItem,
    agent_key,
    category_counter,
    memory_key,
    stats_key,
    unread,
)
from shared.agents.schemas import (
    MEMORY_CATEGORIES,
    MemoryCategory,
    MemoryCreate,
    MemoryPublic,
    MemoryStats,
    MemoryUpdate,
)
from shared.agents.service import get_agent, live_agent
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import query_page
from shared.db.transactions import Reasons, condition_failed, transact
from shared.db.versioned import LostRace, update_versioned
from shared.errors import NotFound
from shared.ids import new_id, utcnow
from shared.pagination import PageParams

_ID_PART = re.compile(r"[0-9A-Za-z_-]{1,64}")
# Every category has its counter on the stats item (fails at import, not at the first add).
for _category in MEMORY_CATEGORIES:
    category_counter(_category)


def public_id(agent_id: str, memory_id: str) -> str:
    return f"{agent_id}.{memory_id}"


def parse_public_id(memory_public_id: str) -> tuple[str, str]:
    """(agent id, memory id) of a public memory id; a malformed one is NotFound."""
    agent_id, dot, memory_id = memory_public_id.rpartition(".")
    if not dot or not _ID_PART.fullmatch(agent_id) or not _ID_PART.fullmatch(memory_id):
        raise NotFound("memory not found")
    return agent_id, memory_id


def _public(item: MemoryItem) -> MemoryPublic:
    return MemoryPublic(
        id=public_id(item.agent_id, item.memory_id),
        agent_id=item.agent_id,
        content=item.content,
        category=item.category,  # type: ignore[arg-type]  # validated by MemoryPublic
        importance=int(item.importance),
        tags=[str(tag) for tag in item.tags or ()],
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


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


def _check_agent(transaction: TransactWrite, team_id: str, agent_id: str) -> None:
    transaction.condition_check(
        AgentItem, team_partition(team_id), agent_key(agent_id), live_agent()
    )


def add_memory(team_id: str, agent_id: str, data: MemoryCreate) -> MemoryPublic:
    memory_id, now = new_id(), utcnow()
    item = MemoryItem(
        team_partition(team_id),
        memory_key(agent_id, memory_id),
        team_id=team_id,
        agent_id=agent_id,
        memory_id=memory_id,
        content=data.content,
        category=data.category,
        importance=data.importance,
        tags=data.tags,
        created_at=now,
        updated_at=now,
    )

    def write(transaction: TransactWrite) -> None:
        _check_agent(transaction, team_id, agent_id)
        transaction.save(item, condition=MemoryItem.pk.does_not_exist())
        transaction.update(
            _stats_item(team_id, agent_id),
            actions=_stats_actions(
                team_id,
                agent_id,
                now,
                count=1,
                characters=len(data.content),
                categories={data.category: 1},
                added=True,
            ),
            add_version_condition=False,
        )

    if transact(write):
        raise NotFound("agent not found")  # the check failed: a fresh memory id never collides
    return _public(item)


def _read(team_id: str, agent_id: str, memory_id: str) -> MemoryItem:
    with storage_errors("memory"):
        return MemoryItem.get(
            team_partition(team_id), memory_key(agent_id, memory_id), consistent_read=True
        )


def get_memory(team_id: str, memory_public_id: str) -> MemoryPublic:
    agent_id, memory_id = parse_public_id(memory_public_id)
    get_agent(team_id, agent_id)
    return _public(_read(team_id, agent_id, memory_id))


def _write_replacement(
    transaction: TransactWrite, current: MemoryItem, changed: MemoryItem
) -> None:
    _check_agent(transaction, current.team_id, current.agent_id)
    transaction.save(changed)  # on the version read: a change since then cancels it
    characters = len(changed.content) - len(current.content)
    categories = {current.category: -1, changed.category: 1}
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


def update_memory(team_id: str, memory_public_id: str, data: MemoryUpdate) -> MemoryPublic:
    """PUT: replace the memory's fields; the stats follow its length and category."""
    agent_id, memory_id = parse_public_id(memory_public_id)

    def replace(current: MemoryItem) -> MemoryPublic:
        changed = MemoryItem(
            current.pk,
            current.sk,
            team_id=team_id,
            agent_id=agent_id,
            memory_id=memory_id,
            content=data.content,
            category=data.category,
            importance=data.importance,
            tags=data.tags,
            created_at=current.created_at,
            updated_at=utcnow(),
        )
        changed.version = current.version
        _written(transact(partial(_write_replacement, current=current, changed=changed)))
        return _public(changed)

    return update_versioned(partial(_read, team_id, agent_id, memory_id), replace, what="memory")


def _written(reasons: Reasons) -> None:
    """A memory transaction's outcome: the agent's check failed (it is gone), or the
    memory's version did (it changed since it was read), or nothing did."""
    if condition_failed(reasons, 0):
        raise NotFound("agent not found")
    if reasons:
        raise LostRace


def _write_deletion(transaction: TransactWrite, current: MemoryItem) -> None:
    _check_agent(transaction, current.team_id, current.agent_id)
    transaction.delete(current)  # on the version read, like an update
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


def delete_memory(team_id: str, memory_public_id: str) -> None:
    agent_id, memory_id = parse_public_id(memory_public_id)

    def delete(current: MemoryItem) -> None:
        _written(transact(partial(_write_deletion, current=current)))

    update_versioned(partial(_read, team_id, agent_id, memory_id), delete, what="memory")


def list_memories(
    team_id: str,
    agent_id: str,
    params: PageParams,
    *,
    category: MemoryCategory | None = None,
) -> tuple[list[MemoryPublic], int, str | None]:
    """The agent's memories, newest first: (page, total, next_cursor)."""
    get_agent(team_id, agent_id)
    items, total, cursor = query_page(
        MemoryItem,
        team_partition(team_id),
        params,
        range_key_condition=MemoryItem.sk.startswith(memory_key(agent_id)),
        filter_condition=(MemoryItem.category == category) if category else None,
    )
    return [_public(item) for item in items], total, cursor


def memory_stats(team_id: str, agent_id: str) -> MemoryStats:
    get_agent(team_id, agent_id)
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
