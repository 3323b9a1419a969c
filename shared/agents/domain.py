"""What the agents' stores hand out besides `Agent` (shared.agents.schemas): a phase's
default agent, and one memory of an agent. Storage and API shapes are separate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.agents.schemas import MemoryCategory


@dataclass(frozen=True, slots=True)
class PhaseConfig:
    """Which agent serves `phase` when a job does not say otherwise."""

    phase: str
    agent_id: str
    # Replaces the agent's own model for this phase only (None: the agent's model).
    model: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Memory:
    """One memory of an agent, as stored; `version` is what a replacement or deletion is
    conditioned on (None: not stored yet)."""

    team_id: str
    agent_id: str
    memory_id: str
    content: str
    category: MemoryCategory
    importance: int
    created_at: datetime
    updated_at: datetime
    tags: list[str] = field(default_factory=list)
    version: int | None = None
