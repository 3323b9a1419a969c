"""Agent memories (what an agent keeps between jobs) and their running totals.

A memory's public id is ``<agent id>.<memory id>``. The routes ``PUT/DELETE
/agents/memories/{id}`` name no agent and the memory's key needs it; carrying it in the id
costs nothing, where a pointer item would cost a read per call and a write per add. Both
parts are checked before any key is built, so an id cannot reach another agent's key
space, and the team always comes from the caller.

Storage is shared.agents.memory_store: each add, update and delete is one transaction
there (the agent's live check, the memory's write, the ``ADD``s on the agent's running
totals). This module holds the ids, the agent checks and the retry on a lost race.

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

from shared.agents import memory_store
from shared.agents.domain import Memory
from shared.agents.schemas import (
    MemoryCategory,
    MemoryCreate,
    MemoryPublic,
    MemoryStats,
    MemoryUpdate,
)
from shared.agents.service import get_agent
from shared.db.versioned import update_versioned
from shared.errors import NotFound
from shared.ids import new_id, utcnow
from shared.pagination import PageParams

_ID_PART = re.compile(r"[0-9A-Za-z_-]{1,64}")


def public_id(agent_id: str, memory_id: str) -> str:
    return f"{agent_id}.{memory_id}"


def parse_public_id(memory_public_id: str) -> tuple[str, str]:
    """(agent id, memory id) of a public memory id; a malformed one is NotFound."""
    agent_id, dot, memory_id = memory_public_id.rpartition(".")
    if not dot or not _ID_PART.fullmatch(agent_id) or not _ID_PART.fullmatch(memory_id):
        raise NotFound("memory not found")
    return agent_id, memory_id


def _public(memory: Memory) -> MemoryPublic:
    return MemoryPublic(
        id=public_id(memory.agent_id, memory.memory_id),
        agent_id=memory.agent_id,
        content=memory.content,
        category=memory.category,
        importance=memory.importance,
        tags=list(memory.tags),
        created_at=memory.created_at,
        updated_at=memory.updated_at,
    )


def add_memory(team_id: str, agent_id: str, data: MemoryCreate) -> MemoryPublic:
    now = utcnow()
    memory = Memory(
        team_id=team_id,
        agent_id=agent_id,
        memory_id=new_id(),
        content=data.content,
        category=data.category,
        importance=data.importance,
        tags=list(data.tags),
        created_at=now,
        updated_at=now,
    )
    return _public(memory_store.add_memory(memory))


def get_memory(team_id: str, memory_public_id: str) -> MemoryPublic:
    agent_id, memory_id = parse_public_id(memory_public_id)
    get_agent(team_id, agent_id)
    return _public(memory_store.get_memory(team_id, agent_id, memory_id))


def update_memory(team_id: str, memory_public_id: str, data: MemoryUpdate) -> MemoryPublic:
    """PUT: replace the memory's fields; the stats follow its length and category."""
    agent_id, memory_id = parse_public_id(memory_public_id)

    def change(current: Memory) -> MemoryPublic:
        changed = current.model_copy(
            update={
                "content": data.content,
                "category": data.category,
                "importance": data.importance,
                "tags": list(data.tags),
                "updated_at": utcnow(),
            }
        )
        return _public(memory_store.replace_memory(current, changed))

    return update_versioned(
        lambda: memory_store.get_memory(team_id, agent_id, memory_id), change, what="memory"
    )


def delete_memory(team_id: str, memory_public_id: str) -> None:
    agent_id, memory_id = parse_public_id(memory_public_id)
    update_versioned(
        lambda: memory_store.get_memory(team_id, agent_id, memory_id),
        memory_store.delete_memory,
        what="memory",
    )


def list_memories(
    team_id: str,
    agent_id: str,
    params: PageParams,
    *,
    category: MemoryCategory | None = None,
) -> tuple[list[MemoryPublic], int, str | None]:
    """The agent's memories, newest first: (page, total, next_cursor)."""
    get_agent(team_id, agent_id)
    memories, total, cursor = memory_store.list_memories(
        team_id, agent_id, params, category=category
    )
    return [_public(memory) for memory in memories], total, cursor


def memory_stats(team_id: str, agent_id: str) -> MemoryStats:
    get_agent(team_id, agent_id)
    return memory_store.memory_stats(team_id, agent_id)
