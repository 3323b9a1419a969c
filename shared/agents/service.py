"""Agents of a team: the rules of their CRUD (delete is soft), start and stop, which agent
serves each phase by default, and the default agents a new team gets. Storage is
shared.agents.store, which answers `Agent` and `PhaseConfig`.

DynamoDB per call:
  create_agent    one PutItem (the key must be new)
  get_agent       one GetItem
  list_agents     one Query on the AGENT# range with filters (+ one Query with Select=COUNT)
  update_agent, replace_agent, start_agent, stop_agent, delete_agent
                  one UpdateItem (start: + one GetItem when the agent was already active)
  config          one Query on the AGENTCONFIG# range + one BatchGetItem of the agents named
  set_config      one GetItem + one TransactWriteItems (agent ConditionCheck, config Update)
  phase_agent     two GetItems
  ensure_defaults one Query (consistent); when phases lack a config, one TransactWriteItems
                  of two items per such phase
  in_use          one Query on the AGENT# range with a filter, stopping at the first match
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from shared.agents import store
from shared.agents.domain import PhaseConfig
from shared.agents.schemas import (
    IDLE,
    STOPPED,
    Agent,
    AgentConfigEntry,
    AgentCreate,
    AgentReplace,
    AgentStatus,
    AgentUpdate,
)
from shared.db.versioned import LostRace, update_versioned
from shared.errors import Conflict, NotFound, Unprocessable
from shared.ids import new_id, utcnow
from shared.llm.providers.templates import KIND as TEMPLATES
from shared.llm.providers.templates import MODEL as TEMPLATES_MODEL
from shared.pagination import PageParams
from shared.pipeline.definition import PHASE_NAMES, PHASES, PHASES_BY_NAME, Phase

# `provider_exists(team_id, provider_name)`: the provider store's check, passed in by the
# route so this module does not depend on it. Left out, any provider name is accepted.
ProviderExists = Callable[[str, str], bool]

# A transaction holds at most 100 items; ensure_defaults writes two per phase.
assert 2 * len(PHASES) <= 100, "ensure_defaults would need more than one transaction"
_DEFAULTS_ATTEMPTS = 3
# Display names of phases whose name is an abbreviation.
_PHASE_LABELS = {"ba": "BA", "uiux": "UI/UX", "qa": "QA"}


def _check_provider(team_id: str, name: str | None, provider_exists: ProviderExists | None) -> None:
    if name is None:  # the caller fills in the team's default provider first
        raise Unprocessable("llm_provider is required")
    if provider_exists is not None and not provider_exists(team_id, name):
        # Named like another team's resource would be: a reference to nothing is 404.
        raise NotFound(f"llm_provider '{name}' is not a provider of this team")


def _check_code(code: object) -> None:
    """A code agent's code must compile (422 naming the line; never executed)."""
    if isinstance(code, str):
        from shared.sandbox.client import check_syntax

        check_syntax(code)


def _check_secret_names(team_id: str, fields: dict[str, object]) -> None:
    """The tools' `{{secrets.NAME}}` (an MCP auth_token, an HTTP tool's headers) must name
    secrets of the team (422 naming those that do not)."""
    from shared.agents.tools import secret_bearing

    tools = fields.get("tools")
    bearing = secret_bearing(tools if isinstance(tools, list) else None)
    if bearing:
        from shared.vault.references import require_known

        require_known(team_id, bearing, what="the agent's tools")


def create_agent(
    team_id: str,
    data: AgentCreate,
    *,
    provider_exists: ProviderExists | None = None,
    created_by: str | None = None,
) -> Agent:
    _check_provider(team_id, data.llm_provider, provider_exists)
    _check_code(data.code)
    _check_secret_names(team_id, data.code_fields(given_only=False))
    now = utcnow()
    agent = Agent.model_validate(
        {
            "id": new_id(),
            "team_id": team_id,
            "status": IDLE,
            "created_at": now,
            "updated_at": now,
            "created_by": created_by,
            **data.phase_fields(),
            **data.code_fields(given_only=False),
        }
    )
    return store.create_agent(agent)


def get_agent(team_id: str, agent_id: str) -> Agent:
    """A live agent of the team; a deleted one, or another team's, is NotFound."""
    agent = store.get_live_agent(team_id, agent_id)
    if agent is None:
        raise NotFound("agent not found")
    return agent


def list_agents(
    team_id: str,
    params: PageParams,
    *,
    status_filter: AgentStatus | None = None,
    role: str | None = None,
) -> tuple[list[Agent], int, str | None]:
    """The team's live agents, oldest first: (page, total, next_cursor)."""
    return store.list_agents(team_id, params, status=status_filter, role=role)


def update_agent(
    team_id: str,
    agent_id: str,
    data: AgentUpdate,
    *,
    provider_exists: ProviderExists | None = None,
) -> Agent:
    """PATCH: only the fields given change."""
    changes = data.changes()
    if data.llm_provider is not None:
        _check_provider(team_id, data.llm_provider, provider_exists)
    _check_secret_names(team_id, changes)
    return store.update_agent(team_id, agent_id, changes)


def replace_agent(
    team_id: str,
    agent_id: str,
    data: AgentReplace,
    *,
    provider_exists: ProviderExists | None = None,
) -> Agent:
    """PUT. With `role`, the phase fields are replaced (those left out of the body take
    their defaults); without, the phase fields given change. The code form's fields given
    change (null clears one) and the rest are kept; so are created_at and created_by.
    Clearing the code of a deployed agent is Conflict: undeploy it first."""
    changes: dict[str, object]
    if data.replaces:
        replacement = data.replacement()
        _check_provider(team_id, replacement.llm_provider, provider_exists)
        changes = replacement.phase_fields()
    else:
        changes = data.merged()
        if "llm_provider" in changes:
            _check_provider(team_id, data.llm_provider, provider_exists)
    code = data.code_fields(given_only=True)
    _check_code(code.get("code"))
    _check_secret_names(team_id, code)
    clears_code = "code" in code and code["code"] is None
    try:
        return store.update_agent(team_id, agent_id, changes | code, keep_code=clears_code)
    except NotFound:
        if clears_code and store.get_live_agent(team_id, agent_id) is not None:
            raise Conflict("the agent is deployed: undeploy it before removing its code") from None
        raise


def delete_agent(team_id: str, agent_id: str) -> None:
    """Soft: the agent stays stored (costs and jobs name it) but is found no more. A phase
    config naming it is kept; `config` shows that phase without an agent. A deployed agent
    is Conflict: undeploy it first (its friendly name stays taken while it is deployed)."""
    try:
        store.delete_agent(team_id, agent_id)
    except NotFound:
        agent = store.get_live_agent(team_id, agent_id)
        if agent is not None and agent.deployed_as is not None:
            raise Conflict(
                f"the agent is deployed as '{agent.deployed_as}': undeploy it first"
            ) from None
        raise


def start_agent(team_id: str, agent_id: str) -> Agent:
    """stopped → idle; an agent already idle is left as it is."""
    try:
        return store.set_status(team_id, agent_id, IDLE, only_from_stopped=True)
    except NotFound:
        return get_agent(team_id, agent_id)  # already active, or really not there


def stop_agent(team_id: str, agent_id: str) -> Agent:
    return store.set_status(team_id, agent_id, STOPPED)


def in_use(team_id: str, provider_name: str) -> bool:
    """Whether some live agent of the team names `provider_name` (the provider store refuses
    to delete such a provider)."""
    return store.provider_in_use(team_id, provider_name)


def _check_phase(phase: str) -> Phase:
    found = PHASES_BY_NAME.get(phase)
    if found is None:
        raise Unprocessable(f"unknown phase '{phase}'; phases are {', '.join(PHASE_NAMES)}")
    return found


def _entry(phase: Phase, config: PhaseConfig | None, agent: Agent | None) -> AgentConfigEntry:
    """`agent`: the live agent `config` names (None: none, or deleted since)."""
    fields: dict[str, object] = {"phase": phase.name, "title": phase.title}
    if config is not None:
        fields |= {
            "agent_id": config.agent_id,
            "model_override": config.model,
            "updated_at": config.updated_at,
        }
    if config is not None and agent is not None:
        fields |= {
            "agent_name": agent.name,
            "agent_status": agent.status,
            "llm_provider": agent.llm_provider,
            "llm_model": config.model or agent.llm_model,
            "system_prompt": agent.system_prompt,
        }
    return AgentConfigEntry.model_validate(fields)


def config(team_id: str) -> list[AgentConfigEntry]:
    """One entry per phase, in pipeline order (a phase with no agent set has no agent)."""
    configs = store.phase_configs(team_id)
    agents = store.live_agents(team_id, (item.agent_id for item in configs.values()))
    return [
        _entry(
            phase,
            configs.get(phase.name),
            agents.get(configs[phase.name].agent_id) if phase.name in configs else None,
        )
        for phase in PHASES
    ]


def set_config(
    team_id: str, phase: str, agent_id: str, *, model: str | None = None
) -> AgentConfigEntry:
    """Make `agent_id` the default agent of `phase` (`model` overrides its model there).

    An agent that is not there or deleted is NotFound (404), as another team's would be.
    The agent is checked in the same transaction as the write, so one deleted meanwhile is
    refused too.
    """
    found = _check_phase(phase)
    agent = store.get_live_agent(team_id, agent_id)
    if agent is None:
        raise NotFound(f"agent '{agent_id}' does not exist")
    stored = store.set_phase_config(team_id, phase, agent_id, model)
    if stored is None:
        raise NotFound(f"agent '{agent_id}' does not exist")
    return _entry(found, stored, agent)


def phase_agent(team_id: str, phase: str) -> Agent | None:
    """The agent serving `phase` by default, its model replaced by the phase's override;
    None when none is set or the one set was deleted. It may be stopped: the
    caller decides whether to use it anyway."""
    _check_phase(phase)
    stored = store.get_phase_config(team_id, phase)
    if stored is None:
        return None
    agent = store.get_live_agent(team_id, stored.agent_id)
    if agent is None:
        return None
    return agent.model_copy(update={"llm_model": stored.model}) if stored.model else agent


def _default_agent(team_id: str, phase: Phase, provider: str, model: str) -> Agent:
    now = utcnow()
    label = _PHASE_LABELS.get(phase.name, phase.name.capitalize())
    role = phase.agent_role.replace("_", " ")
    return Agent(
        id=new_id(),
        team_id=team_id,
        name=f"{label} agent",
        description=phase.title,
        role=phase.name,
        llm_provider=provider,
        llm_model=model,
        system_prompt=(
            f"You are the {role} of an AI software factory, serving its '{phase.name}' "
            f"phase: {phase.title}. Work from the project brief and what earlier phases "
            "produced, answer in exactly the format you are asked for, and state any "
            "assumption you had to make."
        ),
        enabled_tools=[],
        status=IDLE,
        created_at=now,
        updated_at=now,
    )


def ensure_defaults(
    team_id: str, provider: str = TEMPLATES, model: str = TEMPLATES_MODEL
) -> list[Agent]:
    """Give every phase without a config a default agent (role = the phase) and a config
    naming it; answers the agents created (none when every phase has one). By default the
    agents use the built-in template generator and its model until the team picks others.

    Safe to call again and at the same time: the agents and configs are written in one
    transaction whose configs must not exist yet, so of two concurrent calls one writes
    everything and the other writes nothing (then finds every phase configured).
    """

    def create_missing(phases: set[str]) -> list[Agent]:
        created = {
            phase.name: _default_agent(team_id, phase, provider, model)
            for phase in PHASES
            if phase.name not in phases
        }
        if created and not store.create_defaults(team_id, created):
            raise LostRace  # another call configured a phase meanwhile: read again
        return list(created.values())

    return update_versioned(
        lambda: store.configured_phases(team_id),
        create_missing,
        what="the default agents",
        attempts=_DEFAULTS_ATTEMPTS,
    )


def agent_names(team_id: str, agent_ids: Iterable[str]) -> dict[str, str]:
    """Name by agent id for the team's agents among `agent_ids`, deleted ones included (their
    costs stay on the books under the name they had)."""
    return store.agent_names(team_id, agent_ids)


def live_agent_models(team_id: str) -> list[tuple[str, str]]:
    """(provider, model) of each of the team's live agents."""
    return store.live_agent_models(team_id)


def count_live_agents(team_id: str) -> int:
    """How many agents the team has, deleted ones left out."""
    return store.count_live_agents(team_id)
