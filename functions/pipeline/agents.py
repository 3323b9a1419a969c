"""Which agent answers a phase, and through what: the phase's default agent (its provider
and model, with the phase's model override) and the team's router.

A phase with no agent configured (a team that never opened /agents/config, or whose
agent was deleted) runs on the built-in template generator, which the pipeline hands its
project templates (`functions/pipeline/targets`). A stopped agent is not used:
the phase fails and says how to go on, rather than quietly answering with another model.
"""

from __future__ import annotations

from dataclasses import dataclass

from functions.pipeline.errors import PhaseFailed
from functions.pipeline.targets.generator import render
from shared.agents import service as agents
from shared.agents.schemas import STOPPED
from shared.jobs.domain import AgentRef
from shared.llm.providers.templates import MODEL as TEMPLATES_MODEL
from shared.llm.router import Router, Target
from shared.llm.team_router import BUILTIN_PROVIDER, router_for
from shared.pipeline.definition import Phase
from shared.team_settings import get_team_settings


@dataclass(frozen=True, slots=True)
class Assignment:
    """Who answers a phase's model calls."""

    target: Target
    # The team's agent (None: no agent is set for the phase; the template generator answers).
    agent: AgentRef | None = None
    # The agent's own instructions, added to the phase's (which fix the answer's format).
    system_prompt: str = ""

    @property
    def agent_id(self) -> str | None:
        return self.agent.id if self.agent else None


def assignment_for(team_id: str, phase: Phase) -> Assignment:
    agent = agents.phase_agent(team_id, phase.name)
    if agent is None:
        return Assignment(Target(BUILTIN_PROVIDER, TEMPLATES_MODEL))
    if agent.status == STOPPED:
        raise PhaseFailed(
            f"{phase.name}: its agent '{agent.name}' is stopped; start it, or choose "
            "another agent for the phase in /agents/config, then retry the job"
        )
    return Assignment(
        Target(agent.llm_provider, agent.llm_model),
        AgentRef(id=agent.id, name=agent.name),
        agent.system_prompt,
    )


def router_for_team(team_id: str) -> Router:
    return router_for(get_team_settings(team_id), renderer=render)
