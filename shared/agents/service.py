"""Agents of a team: CRUD (delete is soft), start and stop, which agent serves each phase by
default, and the default agents a new team gets.

No write depends on an earlier read: PATCH, PUT, start, stop and delete are each one
UpdateItem conditioned on the agent being there and not deleted (that condition failing is
a 404), so two requests at once cannot undo each other's fields.

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
from functools import partial

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from shared.agents.models import (
    AGENT_PREFIX,
    CONFIG_PREFIX,
    AgentConfigItem,
    AgentItem,
    agent_key,
    config_key,
    unread,
)
from shared.agents.schemas import (
    IDLE,
    LEGACY_STOPPED,
    STOPPED,
    Agent,
    AgentConfigEntry,
    AgentCreate,
    AgentReplace,
    AgentStatus,
    AgentUpdate,
    stored_status,
)
from shared.db.base import get_or_none, insert, storage_errors, team_partition
from shared.db.query import query_page
from shared.db.transactions import transact
from shared.db.versioned import LostRace, update_versioned
from shared.errors import NotFound, Unprocessable
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


def live_agent() -> Condition:
    """The agent item exists and is not deleted."""
    return AgentItem.pk.exists() & AgentItem.deleted_at.does_not_exist()


def _to_agent(item: AgentItem) -> Agent:
    return Agent(
        id=item.agent_id,
        team_id=item.team_id,
        name=item.name,
        description=item.description or "",
        role=item.role,
        llm_provider=item.llm_provider,
        llm_model=item.llm_model,
        system_prompt=item.system_prompt or "",
        enabled_tools=[str(tool) for tool in item.enabled_tools or ()],
        status=stored_status(item.status),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _check_provider(team_id: str, name: str | None, provider_exists: ProviderExists | None) -> None:
    if name is None:  # the caller fills in the team's default provider first
        raise Unprocessable("llm_provider is required")
    if provider_exists is not None and not provider_exists(team_id, name):
        # Named like another team's resource would be: a reference to nothing is 404.
        raise NotFound(f"llm_provider '{name}' is not a provider of this team")


def _live_item(team_id: str, agent_id: str) -> AgentItem | None:
    item = get_or_none(AgentItem, team_partition(team_id), agent_key(agent_id))
    return None if item is None or item.deleted_at is not None else item


def create_agent(
    team_id: str, data: AgentCreate, *, provider_exists: ProviderExists | None = None
) -> Agent:
    _check_provider(team_id, data.llm_provider, provider_exists)
    agent_id, now = new_id(), utcnow()
    item = AgentItem(
        team_partition(team_id),
        agent_key(agent_id),
        team_id=team_id,
        agent_id=agent_id,
        status=IDLE,
        created_at=now,
        updated_at=now,
        **data.model_dump(),
    )
    return _to_agent(insert(item, "agent"))


def get_agent(team_id: str, agent_id: str) -> Agent:
    """A live agent of the team; a deleted one, or another team's, is NotFound."""
    item = _live_item(team_id, agent_id)
    if item is None:
        raise NotFound("agent not found")
    return _to_agent(item)


def list_agents(
    team_id: str,
    params: PageParams,
    *,
    status_filter: AgentStatus | None = None,
    role: str | None = None,
) -> tuple[list[Agent], int, str | None]:
    """The team's live agents, oldest first: (page, total, next_cursor)."""
    condition = AgentItem.deleted_at.does_not_exist()
    if status_filter is not None:
        stopped = AgentItem.status.is_in(STOPPED, LEGACY_STOPPED)
        condition &= stopped if status_filter == STOPPED else ~stopped
    if role is not None:
        condition &= AgentItem.role == role
    items, total, cursor = query_page(
        AgentItem,
        team_partition(team_id),
        params,
        range_key_condition=AgentItem.sk.startswith(AGENT_PREFIX),
        filter_condition=condition,
        newest_first=False,
    )
    return [_to_agent(item) for item in items], total, cursor


def _update(
    team_id: str, agent_id: str, actions: list[Action], condition: Condition | None = None
) -> AgentItem:
    """Apply `actions` to a live agent (and `condition`); NotFound when either fails."""
    item = unread(AgentItem(team_partition(team_id), agent_key(agent_id)))
    try:
        item.update(
            actions=[*actions, AgentItem.updated_at.set(utcnow())],
            condition=live_agent() & condition if condition is not None else live_agent(),
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound("agent not found") from exc
        with storage_errors("agent"):
            raise
    return item


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
    actions = [getattr(AgentItem, name).set(value) for name, value in changes.items()]
    return _to_agent(_update(team_id, agent_id, actions))


def replace_agent(
    team_id: str,
    agent_id: str,
    data: AgentReplace,
    *,
    provider_exists: ProviderExists | None = None,
) -> Agent:
    """PUT: every field is set (those left out of the body to their defaults)."""
    _check_provider(team_id, data.llm_provider, provider_exists)
    actions = [getattr(AgentItem, name).set(value) for name, value in data.model_dump().items()]
    return _to_agent(_update(team_id, agent_id, actions))


def delete_agent(team_id: str, agent_id: str) -> None:
    """Soft: the agent stays stored (costs and jobs name it) but is found no more. A phase
    config naming it is kept; `config` shows that phase without an agent."""
    _update(team_id, agent_id, [AgentItem.deleted_at.set(utcnow()), AgentItem.status.set(STOPPED)])


def start_agent(team_id: str, agent_id: str) -> Agent:
    """stopped → idle; an agent already idle is left as it is."""
    try:
        item = _update(
            team_id,
            agent_id,
            [AgentItem.status.set(IDLE)],
            AgentItem.status.is_in(STOPPED, LEGACY_STOPPED),
        )
    except NotFound:
        return get_agent(team_id, agent_id)  # already active, or really not there
    return _to_agent(item)


def stop_agent(team_id: str, agent_id: str) -> Agent:
    return _to_agent(_update(team_id, agent_id, [AgentItem.status.set(STOPPED)]))


def in_use(team_id: str, provider_name: str) -> bool:
    """Whether some live agent of the team names `provider_name` (the provider store refuses
    to delete such a provider)."""
    condition = (AgentItem.llm_provider == provider_name) & AgentItem.deleted_at.does_not_exist()
    with storage_errors("agent"):
        found = AgentItem.query(
            team_partition(team_id),
            AgentItem.sk.startswith(AGENT_PREFIX),
            filter_condition=condition,
            consistent_read=True,  # an agent created a moment ago counts
            attributes_to_get=["pk", "sk"],
        )
        return next(iter(found), None) is not None


def _check_phase(phase: str) -> Phase:
    found = PHASES_BY_NAME.get(phase)
    if found is None:
        raise Unprocessable(f"unknown phase '{phase}'; phases are {', '.join(PHASE_NAMES)}")
    return found


def _entry(
    phase: Phase, config: AgentConfigItem | None, agent: AgentItem | None
) -> AgentConfigEntry:
    fields: dict[str, object] = {"phase": phase.name, "title": phase.title}
    if config is not None:
        fields |= {
            "agent_id": config.agent_id,
            "model_override": config.model,
            "updated_at": config.updated_at,
        }
    if config is not None and agent is not None and agent.deleted_at is None:
        fields |= {
            "agent_name": agent.name,
            "agent_status": agent.status,
            "llm_provider": agent.llm_provider,
            "llm_model": config.model or agent.llm_model,
            "system_prompt": agent.system_prompt or "",
        }
    return AgentConfigEntry.model_validate(fields)


def config(team_id: str) -> list[AgentConfigEntry]:
    """One entry per phase, in pipeline order (a phase with no agent set has no agent)."""
    partition = team_partition(team_id)
    with storage_errors("agent config"):
        configs = {
            item.phase: item
            for item in AgentConfigItem.query(
                partition, AgentConfigItem.sk.startswith(CONFIG_PREFIX)
            )
        }
        keys = sorted({(partition, agent_key(item.agent_id)) for item in configs.values()})
        agents = {item.agent_id: item for item in AgentItem.batch_get(keys)} if keys else {}
    return [
        _entry(
            phase,
            configs.get(phase.name),
            agents.get(configs[phase.name].agent_id) if phase.name in configs else None,
        )
        for phase in PHASES
    ]


def _config_actions(team_id: str, phase: str, agent_id: str, model: str | None) -> list[Action]:
    now = utcnow()
    return [
        AgentConfigItem.team_id.set(team_id),
        AgentConfigItem.phase.set(phase),
        AgentConfigItem.agent_id.set(agent_id),
        AgentConfigItem.model.set(model) if model else AgentConfigItem.model.remove(),
        AgentConfigItem.created_at.set(AgentConfigItem.created_at | now),
        AgentConfigItem.updated_at.set(now),
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
    partition = team_partition(team_id)
    agent = _live_item(team_id, agent_id)
    if agent is None:
        raise NotFound(f"agent '{agent_id}' does not exist")

    def write(transaction: TransactWrite) -> None:
        transaction.condition_check(AgentItem, partition, agent_key(agent_id), live_agent())
        transaction.update(
            unread(AgentConfigItem(partition, config_key(phase))),
            actions=_config_actions(team_id, phase, agent_id, model),
            add_version_condition=False,
        )

    if transact(write):
        raise NotFound(f"agent '{agent_id}' does not exist")
    stored = AgentConfigItem(
        partition, config_key(phase), phase=phase, agent_id=agent_id, model=model
    )
    return _entry(found, stored, agent)


def phase_agent(team_id: str, phase: str) -> Agent | None:
    """The agent serving `phase` by default, its model replaced by the phase's override;
    None when none is set or the one set was deleted. It may be stopped: the
    caller decides whether to use it anyway."""
    _check_phase(phase)
    partition = team_partition(team_id)
    stored = get_or_none(AgentConfigItem, partition, config_key(phase))
    if stored is None:
        return None
    item = _live_item(team_id, stored.agent_id)
    if item is None:
        return None
    agent = _to_agent(item)
    return agent.model_copy(update={"llm_model": stored.model}) if stored.model else agent


def _default_agent(team_id: str, phase: Phase, provider: str, model: str) -> AgentItem:
    agent_id, now = new_id(), utcnow()
    label = _PHASE_LABELS.get(phase.name, phase.name.capitalize())
    role = phase.agent_role.replace("_", " ")
    return AgentItem(
        team_partition(team_id),
        agent_key(agent_id),
        team_id=team_id,
        agent_id=agent_id,
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
    partition = team_partition(team_id)

    def configured() -> set[str]:
        with storage_errors("agent config"):
            return {
                item.phase
                for item in AgentConfigItem.query(
                    partition,
                    AgentConfigItem.sk.startswith(CONFIG_PREFIX),
                    consistent_read=True,
                    attributes_to_get=["pk", "sk", "phase"],
                )
            }

    def create_missing(phases: set[str]) -> list[Agent]:
        missing = [phase for phase in PHASES if phase.name not in phases]
        if not missing:
            return []
        created = [(phase, _default_agent(team_id, phase, provider, model)) for phase in missing]
        if transact(partial(_write_defaults, team_id=team_id, created=created)):
            raise LostRace  # another call configured a phase meanwhile: read again
        return [_to_agent(agent) for _, agent in created]

    return update_versioned(
        configured, create_missing, what="the default agents", attempts=_DEFAULTS_ATTEMPTS
    )


def _write_defaults(
    transaction: TransactWrite, team_id: str, created: list[tuple[Phase, AgentItem]]
) -> None:
    partition = team_partition(team_id)
    for _, agent in created:
        transaction.save(agent, condition=AgentItem.pk.does_not_exist())
    for phase, agent in created:
        item = AgentConfigItem(
            partition,
            config_key(phase.name),
            team_id=team_id,
            phase=phase.name,
            agent_id=agent.agent_id,
            created_at=agent.created_at,
            updated_at=agent.created_at,
        )
        transaction.save(item, condition=AgentConfigItem.pk.does_not_exist())


def agent_names(team_id: str, agent_ids: Iterable[str]) -> dict[str, str]:
    """Name by agent id for the team's agents among `agent_ids`, deleted ones included (their
    costs stay on the books under the name they had): one BatchGetItem per 100 ids,
    projected to the two attributes used."""
    partition = team_partition(team_id)
    keys = [(partition, agent_key(agent_id)) for agent_id in sorted(set(agent_ids))]
    with storage_errors("agent"):
        # PynamoDB pages the keys by 100 and retries unprocessed ones.
        items = AgentItem.batch_get(keys, attributes_to_get=["agent_id", "name"])
        return {item.agent_id: item.name for item in items}


def live_agent_models(team_id: str) -> list[tuple[str, str]]:
    """(provider, model) of each of the team's live agents: one Query, projected."""
    with storage_errors("agent"):
        items = AgentItem.query(
            team_partition(team_id),
            AgentItem.sk.startswith(AGENT_PREFIX),
            filter_condition=AgentItem.deleted_at.does_not_exist(),
            attributes_to_get=["llm_provider", "llm_model"],
        )
        return [(item.llm_provider, item.llm_model) for item in items]


def count_live_agents(team_id: str) -> int:
    """How many agents the team has, deleted ones left out (one Query, Select=COUNT)."""
    with storage_errors("agent"):
        return AgentItem.count(
            team_partition(team_id),
            AgentItem.sk.startswith(AGENT_PREFIX),
            filter_condition=AgentItem.deleted_at.does_not_exist(),
        )
