"""Runs the tools user code calls, for the caller of the sandbox, never inside it.

Why replay: the sandbox function holds no credentials and has no network (isolated
subnets, no route out; a role that can only write its logs), so it cannot call a model, an
MCP server or an HTTP API, and it must not be given a way to. When the code calls a tool
whose result the sandbox was not given, the sandbox ends the run and answers the request
(`{"status": "tool_request", "tool_request": {"name", "arguments"}}`); the caller
(shared/sandbox/client.py), which holds the team's grants, runs the tool here and invokes the
sandbox again with every result so far. The code runs again from the start, and each tool
call it makes is answered from those results, in order, until it needs the next one. A
code's tool calls must therefore be the same, in the same order, on every run (a run that
diverges is refused); the calls are capped (`MAX_TOOL_CALLS`) and so is the whole run's time.

- `llm` goes through the team's router (its default provider, else the built-in template
  generator), budget first, breaker, fallback and the cost ledger, as tasks and chat do.
- `mcp` and `http` tools go through the connectors' worker (helper module
  `shared.connectors.client`, imported when such a tool is called: the only function that
  talks to MCP servers and outside APIs, with the URL policy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.errors import DomainError, Unprocessable

LLM_TOOL = "llm"
# What one tools.llm call may produce.
LLM_MAX_TOKENS = 2048


class ToolFailed(Unprocessable):
    """A tool the code called failed or does not exist: the detail names it."""


@dataclass(frozen=True, slots=True)
class ToolAnswer:
    result: Any
    kind: str
    cost_usd: float = 0.0


def call_tool(
    request: Mapping[str, Any],
    *,
    team_id: str,
    actor: str,
    declared: Mapping[str, Mapping[str, Any]],
    call_id: str,
) -> ToolAnswer:
    """Run the tool `request` names (`{"name", "arguments"}`) among `declared` (name ->
    the tool's declaration; `llm` is always there) for the team."""
    name = request.get("name")
    arguments = request.get("arguments")
    if not isinstance(name, str) or not isinstance(arguments, dict):
        raise ToolFailed("a tool request must name a tool and give its arguments")
    tool = declared.get(name)
    if tool is None and name == LLM_TOOL:
        tool = {"type": "llm", "name": LLM_TOOL}
    if tool is None:
        raise ToolFailed(f"the code called tool {name!r}, which it does not declare")
    kind = tool.get("type")
    if kind == "llm":
        return _llm(arguments, team_id=team_id, actor=actor, call_id=call_id, name=name)
    if kind == "mcp":
        return ToolAnswer(_mcp(tool, name, arguments, team_id), "mcp")
    if kind == "http":
        return ToolAnswer(_http(tool, name, arguments, team_id), "http")
    raise ToolFailed(f"tool {name!r} has an unknown type {kind!r}")


def _llm(
    arguments: Mapping[str, Any], *, team_id: str, actor: str, call_id: str, name: str
) -> ToolAnswer:
    from shared.llm.router import CallContext, Target
    from shared.llm.team_router import BUILTIN_PROVIDER, router_for
    from shared.llm.types import CompletionRequest, Message, ProviderError
    from shared.team_settings import get_team_settings

    prompt, system = arguments.get("prompt"), arguments.get("system")
    if not isinstance(prompt, str) or not (system is None or isinstance(system, str)):
        raise ToolFailed(f"tool {name!r}: prompt and system must be strings")
    settings = get_team_settings(team_id)
    messages = (*((Message("system", system),) if system else ()), Message("user", prompt))
    request = CompletionRequest(model="", messages=messages, max_tokens=LLM_MAX_TOKENS)
    call = CallContext(team_id=team_id, user_id=actor, call_id=call_id)
    target = Target(settings.default_provider or BUILTIN_PROVIDER)
    try:
        routed = router_for(settings).complete(call, target, request)
    except ProviderError as exc:  # after the fallback; errors name no key
        raise ToolFailed(f"tool {name!r}: the model did not answer: {str(exc)[:300]}") from exc
    return ToolAnswer(routed.completion.text, "llm", routed.cost_usd)


def _mcp(tool: Mapping[str, Any], name: str, arguments: dict[str, Any], team_id: str) -> Any:
    url = tool.get("mcp_url")
    if not isinstance(url, str):
        raise ToolFailed(f"tool {name!r}: an mcp tool needs its mcp_url")
    token = tool.get("auth_token")
    auth = token if isinstance(token, str) else None
    return _connector("call_mcp_tool", name, url, auth, name, arguments, team_id=team_id)


def _http(tool: Mapping[str, Any], name: str, arguments: dict[str, Any], team_id: str) -> Any:
    return _connector("call_operation", name, dict(tool), arguments, team_id=team_id)


def _connector(function: str, name: str, *arguments: Any, team_id: str) -> Any:
    """`shared.connectors.client.<function>(*arguments)` (the connector_runner worker's
    caller), its failures named for the tool."""
    from shared.connectors import client as connectors
    from shared.invoke import InvocationFailed

    try:
        # The team's `{{secrets.NAME}}` in the tool are resolved by the worker, by name.
        return getattr(connectors, function)(*arguments, team_id=team_id)
    except DomainError as exc:
        raise ToolFailed(f"tool {name!r}: {exc.detail}") from exc
    except InvocationFailed as exc:
        raise ToolFailed(f"tool {name!r}: the connector did not answer") from exc
