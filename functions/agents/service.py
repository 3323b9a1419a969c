"""The agents group's own rules on top of shared.agents: which provider names an agent may
use, the agent test call through the router, and the per-phase configs as the routes serve
them.

The built-in template generator, "templates" (older name "offline";
shared/llm/team_router.py), is always a provider an agent may name.
"""

from __future__ import annotations

from functions.agents.schemas import AgentTestResult
from shared.agents import service as agents
from shared.agents.schemas import (
    Agent,
    AgentConfigEntry,
    AgentCreate,
    AgentReplace,
    AgentUpdate,
)
from shared.errors import Conflict, NotFound
from shared.llm.providers.templates import KIND as TEMPLATES
from shared.llm.providers.templates import is_builtin_name
from shared.llm.types import CompletionRequest, Message, ProviderError
from shared.team_settings import get_team_settings

TEST_PROMPT = "This is a connection test. In one short sentence, say who you are and what you do."
# Enough for a sentence; the budget check prices the answer at this many tokens.
TEST_MAX_TOKENS = 100
DETAIL_CHARS = 500


def create_agent(team_id: str, body: AgentCreate, created_by: str | None = None) -> Agent:
    """A new agent; naming no provider, it takes the team's `default_provider` (a code
    agent, else the built-in template generator, as its `tools.llm` calls do)."""
    return agents.create_agent(
        team_id,
        with_provider(team_id, body),
        provider_exists=provider_exists,
        created_by=created_by,
    )


def replace_agent(team_id: str, agent_id: str, body: AgentReplace) -> Agent:
    """The agent replaced (a body with `role`; naming no provider, it takes the team's
    `default_provider`) or merged (without `role`)."""
    if body.replaces and body.llm_provider is None:
        default = with_provider(team_id, body.replacement()).llm_provider
        body = body.model_copy(update={"llm_provider": default})
        body.model_fields_set.add("llm_provider")
    return agents.replace_agent(team_id, agent_id, body, provider_exists=provider_exists)


def update_agent(team_id: str, agent_id: str, body: AgentUpdate) -> Agent:
    """The fields given changed; a provider named must be one the team may use."""
    return agents.update_agent(team_id, agent_id, body, provider_exists=provider_exists)


def with_provider[Body: AgentCreate](team_id: str, body: Body) -> Body:
    """The agent as given, naming the team's `default_provider` when it names none."""
    if body.llm_provider is not None:
        return body
    default = get_team_settings(team_id).default_provider
    if default is None and body.code is not None:
        default = TEMPLATES
    if default is None:
        # The team's state, not the body, is what is missing: a conflict (409).
        raise Conflict(
            "llm_provider is required: name a provider of the team, or set the team's "
            "default_provider in /settings"
        )
    return body.model_copy(update={"llm_provider": default})


def provider_exists(team_id: str, name: str) -> bool:
    """Whether an agent of the team may name the provider `name` (one GetItem)."""
    if is_builtin_name(name):
        return True
    # Imported here, as the router is in test_agent: most requests of the group need
    # neither, and a cold start need not import them (bench/imports.py).
    from shared.llm import registry

    try:
        registry.get(team_id, name)
    except NotFound:
        return False
    return True


def test_agent(team_id: str, agent_id: str, user_id: str) -> AgentTestResult:
    """Send the agent a short prompt, as the pipeline would (its provider and model, its
    system prompt, the team's fallback), charged to `user_id`.

    A provider failure is an outcome, not an error; an exhausted budget raises
    BudgetExceeded (402) before any provider is called.
    """
    from shared.knowledge.search import with_knowledge
    from shared.llm.router import CallContext, Target
    from shared.llm.team_router import router_for

    agent = agents.get_agent(team_id, agent_id)
    # As a task run would: the agent's knowledge category's entries for the prompt.
    instructions = with_knowledge(
        team_id, agent.system_prompt, agent.knowledge_category, TEST_PROMPT
    )
    system = (Message("system", instructions),) if instructions else ()
    request = CompletionRequest(
        model=agent.llm_model,
        messages=(*system, Message("user", TEST_PROMPT)),
        max_tokens=TEST_MAX_TOKENS,
    )
    call = CallContext(team_id=team_id, user_id=user_id, agent_id=agent.id)
    router = router_for(get_team_settings(team_id))
    try:
        routed = router.complete(call, Target(agent.llm_provider, agent.llm_model), request)
    except ProviderError as exc:
        # Provider errors name no key (the clients redact it); the router's summary says
        # which provider failed how.
        return AgentTestResult(
            agent_id=agent.id,
            model=agent.llm_model,
            status="error",
            detail=str(exc)[:DETAIL_CHARS],
        )
    answered = routed.completion.model or routed.target.model or agent.llm_model
    return AgentTestResult(
        agent_id=agent.id, model=answered, status="ok", response=routed.completion.text
    )


def agent_config(team_id: str) -> list[AgentConfigEntry]:
    """Every phase's default agent; a team seeing this for the first time gets one default
    agent per phase first (once: `ensure_defaults` writes nothing when all are set)."""
    agents.ensure_defaults(team_id)
    return agents.config(team_id)


def set_agent_config(
    team_id: str, agent_id: str, phase: str, model: str | None
) -> AgentConfigEntry:
    """Make the agent the default of `phase`. The agent in the path must be a live agent
    of the team (NotFound, as on every route naming an agent), also when deleted before
    the write; an unknown phase is Unprocessable."""
    agents.get_agent(team_id, agent_id)
    return agents.set_config(team_id, phase, agent_id, model=model)
