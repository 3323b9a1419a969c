"""What the agents' stores hand out besides `Agent` (shared.agents.schemas): a phase's
default agent, and one memory of an agent. Storage and API shapes are separate."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.agents.schemas import MemoryCategory


class PhaseConfig(BaseModel):
    """Which agent serves `phase` when a job does not say otherwise."""

    # Built at first use: a class statement of a dataclass costs this module's importers
    # (every handler that imports the agents' service) three times as much.
    model_config = ConfigDict(defer_build=True, frozen=True)

    phase: str
    agent_id: str
    # Replaces the agent's own model for this phase only (None: the agent's model).
    model: str | None = None
    updated_at: datetime | None = None


class Memory(BaseModel):
    """One memory of an agent, as stored; `version` is what a replacement or deletion is
    conditioned on (None: not stored yet)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    team_id: str
    agent_id: str
    memory_id: str
    content: str
    category: MemoryCategory
    importance: int
    created_at: datetime
    updated_at: datetime
    tags: list[str] = Field(default_factory=list)
    version: int | None = None
