"""Agent memories on emulated DynamoDB: add, list, update, delete, and stats that stay exact
(kept by ADDs in each write's transaction, never by reading the memories)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pydantic import ValidationError

from shared.agents import memories, memory_store, service
from shared.agents.domain import Memory
from shared.agents.models import AgentItem, MemoryItem, memory_key
from shared.agents.schemas import AgentCreate, MemoryCreate, MemoryStats, MemoryUpdate
from shared.db.base import team_partition
from shared.errors import NotFound
from shared.ids import new_id
from shared.pagination import PageParams

pytestmark = pytest.mark.usefixtures("aws")


def forget_team(team_id: str) -> None:
    """Delete the team's agents-table items (moto copies the table at every transaction)."""
    with AgentItem.batch_write() as batch:
        for item in AgentItem.query(team_partition(team_id), attributes_to_get=["pk", "sk"]):
            batch.delete(item)


@pytest.fixture
def team() -> Iterator[str]:
    team_id = f"memories-{new_id()}"
    yield team_id
    forget_team(team_id)


@pytest.fixture
def agent_id(team: str) -> str:
    body = AgentCreate(name="Dev", role="dev", llm_provider="offline", llm_model="offline")
    return service.create_agent(team, body).id


def remember(team: str, agent_id: str, content: str, **changes: Any) -> str:
    return memories.add_memory(team, agent_id, MemoryCreate(content=content, **changes)).id


def counts(stats: MemoryStats) -> tuple[int, int, dict[str, int]]:
    """count, characters and the categories with memories."""
    used = {category: n for category, n in stats.by_category.items() if n}
    return stats.count, stats.total_characters, used


def test_an_agent_without_memories_has_empty_stats(team: str, agent_id: str) -> None:
    stats = memories.memory_stats(team, agent_id)

    assert counts(stats) == (0, 0, {})
    assert set(stats.by_category) == {"fact", "preference", "instruction", "lesson", "note"}
    assert stats.last_added_at is None


def test_added_memories_are_listed_newest_first_and_counted(team: str, agent_id: str) -> None:
    first = remember(team, agent_id, "The team writes Python.", category="fact", tags=["stack"])
    second = remember(team, agent_id, "Prefer small modules.", category="preference")

    listed, total, _ = memories.list_memories(team, agent_id, PageParams())
    stats = memories.memory_stats(team, agent_id)

    assert [memory.id for memory in listed] == [second, first]
    assert total == 2
    assert listed[1].tags == ["stack"]
    assert listed[1].importance == 3
    assert counts(stats) == (2, 44, {"fact": 1, "preference": 1})
    assert stats.last_added_at == listed[0].created_at


def test_memories_are_listed_by_category_with_paging(team: str, agent_id: str) -> None:
    notes = [remember(team, agent_id, f"note {i}") for i in range(3)]
    remember(team, agent_id, "a lesson", category="lesson")

    only_notes, total, cursor = memories.list_memories(
        team, agent_id, PageParams(limit=2), category="note"
    )
    rest, _, last = memories.list_memories(
        team, agent_id, PageParams(limit=2, cursor=cursor), category="note"
    )

    assert [m.id for m in only_notes + rest] == notes[::-1]
    assert (total, last) == (3, None)


def test_an_update_replaces_the_memory_and_moves_its_stats(team: str, agent_id: str) -> None:
    memory_id = remember(team, agent_id, "short", category="note")
    remember(team, agent_id, "other", category="note")

    updated = memories.update_memory(
        team, memory_id, MemoryUpdate(content="much longer", category="lesson", importance=5)
    )
    same_size = memories.update_memory(
        team, memory_id, MemoryUpdate(content="MUCH LONGER", category="lesson", tags=["x"])
    )

    assert (updated.content, updated.category, updated.importance) == (
        "much longer",
        "lesson",
        5,
    )
    assert (same_size.importance, same_size.tags) == (3, ["x"])  # PUT: defaults for the rest
    assert memories.get_memory(team, memory_id) == same_size
    assert counts(memories.memory_stats(team, agent_id)) == (2, 16, {"note": 1, "lesson": 1})


def test_a_deleted_memory_is_gone_and_uncounted(team: str, agent_id: str) -> None:
    kept = remember(team, agent_id, "kept", category="fact")
    gone = remember(team, agent_id, "gone!", category="instruction")

    memories.delete_memory(team, gone)

    with pytest.raises(NotFound):
        memories.get_memory(team, gone)
    with pytest.raises(NotFound):
        memories.delete_memory(team, gone)
    with pytest.raises(NotFound):
        memories.update_memory(team, gone, MemoryUpdate(content="back"))
    listed, _, _ = memories.list_memories(team, agent_id, PageParams())
    assert [memory.id for memory in listed] == [kept]
    assert counts(memories.memory_stats(team, agent_id)) == (1, 4, {"fact": 1})


def test_the_public_id_carries_the_agent_and_is_checked(team: str, agent_id: str) -> None:
    memory_id = remember(team, agent_id, "remember me")
    other_agent = service.create_agent(
        team, AgentCreate(name="QA", role="qa", llm_provider="offline", llm_model="offline")
    ).id
    stored_id = memory_id.rpartition(".")[2]

    assert memory_id.startswith(f"{agent_id}.")
    assert MemoryItem.get(team_partition(team), memory_key(agent_id, stored_id)).content == (
        "remember me"
    )
    for wrong in (
        stored_id,  # no agent
        f"{other_agent}.{stored_id}",  # another agent's key space
        f"{agent_id}#x.{stored_id}",  # key characters are refused before any read
        f"{agent_id}.",
        "",
    ):
        with pytest.raises(NotFound):
            memories.get_memory(team, wrong)
        with pytest.raises(NotFound):
            memories.delete_memory(team, wrong)
    assert memories.memory_stats(team, agent_id).count == 1


def test_another_teams_memories_are_not_found(team: str, agent_id: str) -> None:
    memory_id = remember(team, agent_id, "private")
    other = f"memories-{new_id()}"

    for action in (
        lambda: memories.get_memory(other, memory_id),
        lambda: memories.update_memory(other, memory_id, MemoryUpdate(content="x")),
        lambda: memories.delete_memory(other, memory_id),
        lambda: memories.list_memories(other, agent_id, PageParams()),
        lambda: memories.memory_stats(other, agent_id),
        lambda: memories.add_memory(other, agent_id, MemoryCreate(content="x")),
    ):
        with pytest.raises(NotFound):
            action()
    assert memories.get_memory(team, memory_id).content == "private"


def test_a_deleted_agents_memories_are_out_of_reach(team: str, agent_id: str) -> None:
    memory_id = remember(team, agent_id, "before")
    service.delete_agent(team, agent_id)

    for action in (
        lambda: memories.add_memory(team, agent_id, MemoryCreate(content="after")),
        lambda: memories.list_memories(team, agent_id, PageParams()),
        lambda: memories.memory_stats(team, agent_id),
        lambda: memories.update_memory(team, memory_id, MemoryUpdate(content="x")),
        lambda: memories.delete_memory(team, memory_id),
    ):
        with pytest.raises(NotFound):
            action()


def test_an_unknown_agent_gets_no_memory_and_no_stats_item(team: str) -> None:
    ghost = new_id()

    with pytest.raises(NotFound):
        memories.add_memory(team, ghost, MemoryCreate(content="x"))

    # The transaction's agent check failed, so neither the memory nor the stats were written.
    assert AgentItem.count(team_partition(team)) == 0


def test_concurrent_adds_keep_the_stats_exact(team: str, agent_id: str) -> None:
    categories = ["fact", "preference", "instruction", "lesson", "note"]

    def add(i: int) -> str:
        return remember(team, agent_id, "x" * (i + 1), category=categories[i % 5])

    with ThreadPoolExecutor(max_workers=8) as pool:
        added = list(pool.map(add, range(20)))

    stats = memories.memory_stats(team, agent_id)
    assert len(set(added)) == 20
    assert counts(stats) == (20, sum(range(1, 21)), dict.fromkeys(categories, 4))


def test_concurrent_deletes_of_one_memory_count_it_once(
    team: str, agent_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory_id = remember(team, agent_id, "once")
    remember(team, agent_id, "stays")
    # Both callers read the memory before either deletes it.
    both_read = threading.Barrier(2)
    read = memory_store.get_memory

    def read_then_wait(*args: Any) -> Memory:
        memory = read(*args)
        both_read.wait(timeout=10)
        return memory

    monkeypatch.setattr(memory_store, "get_memory", read_then_wait)

    def delete(_: int) -> bool:
        try:
            memories.delete_memory(team, memory_id)
        except NotFound:
            return False
        return True

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(delete, range(2)))

    assert outcomes == [False, True]
    assert counts(memories.memory_stats(team, agent_id)) == (1, 5, {"note": 1})


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"content": ""}, "string_too_short"),
        ({"content": "x" * 10_001}, "string_too_long"),
        ({"content": "x", "importance": 0}, "greater_than_equal"),
        ({"content": "x", "importance": 6}, "less_than_equal"),
        ({"content": "x", "category": "gossip"}, "literal_error"),
        ({"content": "x", "tags": ["t"] * 21}, "too_long"),
        ({"content": "x", "agent_id": "someone"}, "extra_forbidden"),
    ],
)
def test_invalid_memories_are_refused(body: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError) as refused:
        MemoryCreate.model_validate(body)

    assert problem in {error["type"] for error in refused.value.errors()}
