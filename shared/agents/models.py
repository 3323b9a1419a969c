"""How agents are stored: items in the agents table, every key under its team.

    pk = TEAM#<team>   sk = AGENT#<agent id>                    an agent (deleted_at when deleted)
                       sk = AGENTCONFIG#<phase>                 the default agent of a phase
                       sk = AGENTMEMORY#<agent id>#<memory id>  one memory of an agent
                       sk = AGENTMEMSTATS#<agent id>            running totals of its memories

Agents are listed with one Query on the ``AGENT#`` range and filter expressions (status,
role, not deleted), not with an index: a team has tens of agents, so the filters discard a
handful of items, and an index would cost a second write per change. The ``AGENT#`` prefix
does not match ``AGENTCONFIG#`` or ``AGENTMEMORY#`` (``#`` is not ``C`` or ``M``), so that
Query never reads configs or memories.

Memory statistics are changed only by ``ADD`` in the same transaction as the memory they
count, so they are exact without ever reading the memories.
"""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import TeamItem, table_meta

AGENT_PREFIX = "AGENT#"
CONFIG_PREFIX = "AGENTCONFIG#"
MEMORY_PREFIX = "AGENTMEMORY#"
STATS_PREFIX = "AGENTMEMSTATS#"


def agent_key(agent_id: str) -> str:
    return f"{AGENT_PREFIX}{agent_id}"


def config_key(phase: str) -> str:
    return f"{CONFIG_PREFIX}{phase}"


def memory_key(agent_id: str, memory_id: str = "") -> str:
    """`AGENTMEMORY#<agent>#<memory>`; without a memory id, the prefix of the agent's memories."""
    return f"{MEMORY_PREFIX}{agent_id}#{memory_id}"


def stats_key(agent_id: str) -> str:
    return f"{STATS_PREFIX}{agent_id}"


class AgentItem(TeamItem):
    Meta = table_meta("agents")

    agent_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    role = UnicodeAttribute()
    llm_provider = UnicodeAttribute()
    llm_model = UnicodeAttribute()
    system_prompt = UnicodeAttribute(default="")
    enabled_tools = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute(default="idle")
    # The worker the agent runs on (shared.tasks: its tasks wait for that worker).
    worker_id = UnicodeAttribute(null=True)
    # A knowledge base category whose entries its prompts get as context (shared.knowledge).
    knowledge_category = UnicodeAttribute(null=True)
    # Soft delete: the item stays (costs and jobs still name the agent) but no route finds it.
    deleted_at = UTCDateTimeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    # The code form (seed 002; shared.agents.code_schemas): absent on a phase agent. The
    # JSON values are stored as JSON text, read whole with the agent.
    code = UnicodeAttribute(null=True)
    friendly_name = UnicodeAttribute(null=True)
    tools = JSONAttribute(null=True)
    input_schema = JSONAttribute(null=True)
    output_schema = JSONAttribute(null=True)
    invokable_models = JSONAttribute(null=True)
    docstring = UnicodeAttribute(null=True)
    composer_thoughts = UnicodeAttribute(null=True)
    composer_model_config = JSONAttribute(null=True)
    # The friendly name it is deployed under (shared.deployments writes it in the deploy's
    # transaction, so an agent has one deployment at most and keeps its code while it has).
    deployed_as = UnicodeAttribute(null=True)


class AgentConfigItem(TeamItem):
    """Which agent serves a phase when a job does not say otherwise."""

    Meta = table_meta("agents")

    phase = UnicodeAttribute()
    agent_id = UnicodeAttribute()
    # Replaces the agent's own model for this phase only (None: the agent's model).
    model = UnicodeAttribute(null=True)


class MemoryItem(TeamItem):
    Meta = table_meta("agents")

    agent_id = UnicodeAttribute()
    memory_id = UnicodeAttribute()
    content = UnicodeAttribute()
    category = UnicodeAttribute()
    importance = NumberAttribute(default=3)
    tags = ListAttribute(of=UnicodeAttribute, default=list)


class MemoryStatsItem(TeamItem):
    """Running totals of one agent's memories, changed only by ``ADD`` (its version is
    incremented, never compared: nothing reads it to write it back)."""

    Meta = table_meta("agents")

    agent_id = UnicodeAttribute()
    memories = NumberAttribute(default=0)
    characters = NumberAttribute(default=0)
    # One counter per category (shared.agents.schemas.MemoryCategory): ADD cannot reach
    # into a map that does not exist yet, and the first ADD is what creates this item.
    fact_count = NumberAttribute(default=0)
    preference_count = NumberAttribute(default=0)
    instruction_count = NumberAttribute(default=0)
    lesson_count = NumberAttribute(default=0)
    note_count = NumberAttribute(default=0)
    last_added_at = UTCDateTimeAttribute(null=True)


def category_counter(category: str) -> NumberAttribute:
    counter = getattr(MemoryStatsItem, f"{category}_count", None)
    if not isinstance(counter, NumberAttribute):
        raise ValueError(f"no memory counter for category {category!r}")
    return counter


def unread[I: TeamItem](item: I) -> I:
    """`item` (built from its keys, not read) ready for an UpdateItem whatever is stored:
    a known version makes PynamoDB ADD 1 to the stored one, where an unknown one would SET
    it to 1 and rewind it. Pass ``add_version_condition=False`` with it."""
    item.version = 0
    return item
