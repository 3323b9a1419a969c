"""Seed 001's agent activity feed: what the team's agents did, newest first, from the
record every agent's work already leaves: the cost ledger's calls (a phase, a test call, a
task, a code agent's `tools.llm`: each model call an agent made is one, with its job,
model, tokens and cost). Agents are named as they are now (a deleted one keeps its name)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.agents import store as agents
from shared.costs import summary_store
from shared.costs.rollups import LedgerCall


@dataclass(frozen=True, slots=True)
class Activity:
    call: LedgerCall
    agent_name: str | None  # None: the agent is no longer stored


def activity(team_id: str, limit: int) -> list[Activity]:
    """The newest `limit` calls of the team's agents: one Query and one BatchGetItem."""
    calls = summary_store.recent_agent_calls(team_id, limit)
    names = agents.agent_names(team_id, (call.agent_id for call in calls if call.agent_id))
    return [Activity(call, names.get(call.agent_id or "")) for call in calls]
