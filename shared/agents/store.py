"""Agent storage: agents and the per-phase configs in the agents table (keys in
shared.agents.models), domain objects in and out (`Agent`, `PhaseConfig`).

No write depends on an earlier read: a change, start, stop or delete is one UpdateItem
conditioned on the agent being there and not deleted (that condition failing is NotFound),
so two requests at once cannot undo each other's fields. A deleted agent stays stored
(costs and jobs still name it) and is answered by `agent_names` alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from shared.agents.domain import PhaseConfig
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
    LEGACY_STOPPED,
    STOPPED,
    Agent,
    AgentStatus,
    stored_status,
)
from shared.db.base import get_or_none, insert, storage_errors, team_partition
from shared.db.query import query_page
from shared.db.transactions import transact
from shared.errors import NotFound
from shared.ids import utcnow
from shared.pagination import PageParams


def _live() -> Condition:
    """The agent item exists and is not deleted."""
    return AgentItem.pk.exists() & AgentItem.deleted_at.does_not_exist()


def check_live(transaction: TransactWrite, team_id: str, agent_id: str) -> None:
    """Add to `transaction` the check that the agent is there and not deleted (a store
    writing beside an agent, such as the memories', cancels its write when it is gone)."""
    transaction.condition_check(AgentItem, team_partition(team_id), agent_key(agent_id), _live())


def mark_deployed(transaction: TransactWrite, team_id: str, agent_id: str, name: str) -> None:
    """Add to `transaction` marking the agent deployed as `name`, on condition that it is
    live, holds code and is not deployed already (shared.deployments' deploy)."""
    transaction.update(
        unread(AgentItem(team_partition(team_id), agent_key(agent_id))),
        actions=[AgentItem.deployed_as.set(name)],
        condition=_live() & AgentItem.code.exists() & AgentItem.deployed_as.does_not_exist(),
        add_version_condition=False,
    )


def mark_undeployed(transaction: TransactWrite, team_id: str, agent_id: str, name: str) -> None:
    """Add to `transaction` clearing the agent's deployment, on condition that it is `name`."""
    transaction.update(
        unread(AgentItem(team_partition(team_id), agent_key(agent_id))),
        actions=[AgentItem.deployed_as.remove()],
        condition=AgentItem.deployed_as == name,
        add_version_condition=False,
    )


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
        worker_id=item.worker_id,
        knowledge_category=item.knowledge_category,
        created_at=item.created_at,
        updated_at=item.updated_at,
        created_by=item.created_by,
        code=item.code,
        friendly_name=item.friendly_name,
        tools=item.tools,
        input_schema=item.input_schema,
        output_schema=item.output_schema,
        invokable_models=item.invokable_models,
        docstring=item.docstring,
        composer_thoughts=item.composer_thoughts,
        composer_model_config=item.composer_model_config,
        deployed_as=item.deployed_as,
    )


def _to_item(agent: Agent) -> AgentItem:
    return AgentItem(
        team_partition(agent.team_id),
        agent_key(agent.id),
        team_id=agent.team_id,
        agent_id=agent.id,
        name=agent.name,
        description=agent.description,
        role=agent.role,
        llm_provider=agent.llm_provider,
        llm_model=agent.llm_model,
        system_prompt=agent.system_prompt,
        enabled_tools=list(agent.enabled_tools),
        status=agent.status,
        worker_id=agent.worker_id,
        knowledge_category=agent.knowledge_category,
        created_at=agent.created_at,
        updated_at=agent.updated_at,
        created_by=agent.created_by,
        code=agent.code,
        friendly_name=agent.friendly_name,
        tools=agent.tools,
        input_schema=agent.input_schema,
        output_schema=agent.output_schema,
        invokable_models=agent.invokable_models,
        docstring=agent.docstring,
        composer_thoughts=agent.composer_thoughts,
        composer_model_config=agent.composer_model_config,
    )


def _to_config(item: AgentConfigItem) -> PhaseConfig:
    return PhaseConfig(
        phase=item.phase, agent_id=item.agent_id, model=item.model, updated_at=item.updated_at
    )


def create_agent(agent: Agent) -> Agent:
    """Store a new agent (one PutItem; its key must be free, else Conflict)."""
    return _to_agent(insert(_to_item(agent), "agent"))


def get_live_agent(team_id: str, agent_id: str) -> Agent | None:
    """The agent, or None when it is not there or deleted (one GetItem)."""
    item = get_or_none(AgentItem, team_partition(team_id), agent_key(agent_id))
    return None if item is None or item.deleted_at is not None else _to_agent(item)


def list_agents(
    team_id: str,
    params: PageParams,
    *,
    status: AgentStatus | None = None,
    role: str | None = None,
) -> tuple[list[Agent], int, str | None]:
    """The team's live agents, oldest first: (page, total, next_cursor). One Query on the
    AGENT# range with filters, and one with Select=COUNT."""
    condition = AgentItem.deleted_at.does_not_exist()
    if status is not None:
        stopped = AgentItem.status.is_in(STOPPED, LEGACY_STOPPED)
        condition &= stopped if status == STOPPED else ~stopped
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
) -> Agent:
    """Apply `actions` to a live agent (and `condition`); NotFound when either fails."""
    item = unread(AgentItem(team_partition(team_id), agent_key(agent_id)))
    try:
        item.update(
            actions=[*actions, AgentItem.updated_at.set(utcnow())],
            condition=_live() & condition if condition is not None else _live(),
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound("agent not found") from exc
        with storage_errors("agent"):
            raise
    return _to_agent(item)  # UpdateItem answered every attribute


def update_agent(
    team_id: str, agent_id: str, changes: Mapping[str, object], *, keep_code: bool = False
) -> Agent:
    """Set the agent's fields named in `changes` (one UpdateItem); NotFound when the agent
    is not there or deleted, or (`keep_code`: the change clears its code) deployed."""
    actions = [
        getattr(AgentItem, name).remove() if value is None else getattr(AgentItem, name).set(value)
        for name, value in changes.items()
    ]
    condition = AgentItem.deployed_as.does_not_exist() if keep_code else None
    return _update(team_id, agent_id, actions, condition)


def set_status(
    team_id: str, agent_id: str, status: AgentStatus, *, only_from_stopped: bool = False
) -> Agent:
    """The agent's status set (one UpdateItem). `only_from_stopped`: only if it is
    stopped now; NotFound when it is not, as when it is not there or deleted."""
    condition = AgentItem.status.is_in(STOPPED, LEGACY_STOPPED) if only_from_stopped else None
    return _update(team_id, agent_id, [AgentItem.status.set(status)], condition)


def delete_agent(team_id: str, agent_id: str) -> None:
    """Soft: the agent is marked deleted and stopped (one UpdateItem); NotFound when it is
    not there or deleted already, or deployed."""
    _update(
        team_id,
        agent_id,
        [AgentItem.deleted_at.set(utcnow()), AgentItem.status.set(STOPPED)],
        AgentItem.deployed_as.does_not_exist(),
    )


def provider_in_use(team_id: str, provider_name: str) -> bool:
    """Whether some live agent of the team names `provider_name`: one Query on the AGENT#
    range with a filter, stopping at the first match."""
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


def live_agents(team_id: str, agent_ids: Iterable[str]) -> dict[str, Agent]:
    """The team's live agents among `agent_ids`, by id (one BatchGetItem; none when no id
    is given). Deleted ones are left out."""
    partition = team_partition(team_id)
    keys = sorted({(partition, agent_key(agent_id)) for agent_id in agent_ids})
    if not keys:
        return {}
    with storage_errors("agent"):
        return {
            item.agent_id: _to_agent(item)
            for item in AgentItem.batch_get(keys)
            if item.deleted_at is None
        }


def input_schemas(agents: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict | None]:
    """The input schema of each live agent among `agents` ((team, agent) pairs of any
    teams), by pair: one BatchGetItem per 100 (the AI Market's catalog page of deployed
    agents). Deleted ones are left out."""
    keys = sorted({(team_partition(team), agent_key(agent)) for team, agent in agents})
    if not keys:
        return {}
    with storage_errors("agent"):
        return {
            (item.team_id, item.agent_id): item.input_schema
            for item in AgentItem.batch_get(
                keys, attributes_to_get=["team_id", "agent_id", "input_schema", "deleted_at"]
            )
            if item.deleted_at is None
        }


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


def phase_configs(team_id: str) -> dict[str, PhaseConfig]:
    """The team's phase configs by phase (one Query on the AGENTCONFIG# range)."""
    with storage_errors("agent config"):
        return {
            item.phase: _to_config(item)
            for item in AgentConfigItem.query(
                team_partition(team_id), AgentConfigItem.sk.startswith(CONFIG_PREFIX)
            )
        }


def configured_phases(team_id: str) -> set[str]:
    """The phases that have a config: one consistent Query, projected to the phase (a
    config written a moment ago counts)."""
    with storage_errors("agent config"):
        return {
            item.phase
            for item in AgentConfigItem.query(
                team_partition(team_id),
                AgentConfigItem.sk.startswith(CONFIG_PREFIX),
                consistent_read=True,
                attributes_to_get=["pk", "sk", "phase"],
            )
        }


def get_phase_config(team_id: str, phase: str) -> PhaseConfig | None:
    """The config of `phase`, or None (one GetItem)."""
    item = get_or_none(AgentConfigItem, team_partition(team_id), config_key(phase))
    return None if item is None else _to_config(item)


def set_phase_config(
    team_id: str, phase: str, agent_id: str, model: str | None
) -> PhaseConfig | None:
    """Make `agent_id` the agent of `phase` (`model` its override there): one
    TransactWriteItems checking the agent is live and writing the config. None when the
    agent is not there or deleted (nothing was written)."""
    partition = team_partition(team_id)
    now = utcnow()

    def write(transaction: TransactWrite) -> None:
        check_live(transaction, team_id, agent_id)
        transaction.update(
            unread(AgentConfigItem(partition, config_key(phase))),
            actions=[
                AgentConfigItem.team_id.set(team_id),
                AgentConfigItem.phase.set(phase),
                AgentConfigItem.agent_id.set(agent_id),
                AgentConfigItem.model.set(model) if model else AgentConfigItem.model.remove(),
                AgentConfigItem.created_at.set(AgentConfigItem.created_at | now),
                AgentConfigItem.updated_at.set(now),
            ],
            add_version_condition=False,
        )

    if transact(write):
        return None
    return PhaseConfig(phase=phase, agent_id=agent_id, model=model, updated_at=now)


def create_defaults(team_id: str, agents: Mapping[str, Agent]) -> bool:
    """Store each new agent and a config naming it for its phase (`agents` by phase), in
    one TransactWriteItems whose agents and configs must not exist yet. False when one
    did (another call configured a phase meanwhile): nothing was written."""
    partition = team_partition(team_id)

    def config(phase: str, agent_id: str, at: datetime) -> AgentConfigItem:
        return AgentConfigItem(
            partition,
            config_key(phase),
            team_id=team_id,
            phase=phase,
            agent_id=agent_id,
            created_at=at,
            updated_at=at,
        )

    def write(transaction: TransactWrite) -> None:
        for agent in agents.values():
            transaction.save(_to_item(agent), condition=AgentItem.pk.does_not_exist())
        for phase, agent in agents.items():
            transaction.save(
                config(phase, agent.id, agent.created_at),
                condition=AgentConfigItem.pk.does_not_exist(),
            )

    return not transact(write)
