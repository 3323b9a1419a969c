"""An agent's code written through the team's router (budget, breaker, fallback, ledger),
as every model call of the product is (POST /agents/generate-code, seed 002).

The composer named by `modelConfig` (else the team's default provider, else the built-in
template generator; shared.demos.generate.check_composer's rules) is asked for one JSON
object `{code, friendly_name, docstring, input_schema, output_schema, thoughts}`. A model
reads the messages; the template generator reads the structured task beside them
(shared.agents.template_code renders it: a runnable agent for simple descriptions). Both
answers are read by the same parser, and the code must compile (never run here): a
composer whose code does not is answered 503 (ask again or name another model). Tokens are
what the provider counted (None: the template generator counts none).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

from shared.errors import ServiceUnavailable, Unprocessable
from shared.ids import new_id

DEFAULT_MAX_TOKENS: Final = 8192
DEFAULT_TEMPERATURE: Final = 0.2
SPEC_EXCERPT_CHARS: Final = 8_000
_PYTHON_FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)

SYSTEM_PROMPT: Final = """\
You write agents: small Python modules that define `run(input_dict, tools)` (def or async
def) and return a JSON value. Only the standard library may be imported; there is no
network. `tools.call(name, **arguments)` calls one of the agent's declared tools and
returns its JSON result; `tools.llm(prompt, system=None)` asks a language model and returns
text. Answer with one JSON object and nothing else:
{"code": "...", "friendly_name": "...", "docstring": "...", "input_schema": {...},
 "output_schema": {...}, "thoughts": "..."}
- friendly_name: lower-case words joined by hyphens, at most 63 characters.
- input_schema and output_schema: JSON Schemas of run's input and result (keep the ones
  given, if any).
- thoughts: one or two sentences on how the code works.
"""


@dataclass(frozen=True, slots=True)
class CodeRequest:
    """What the agent should do, with what (seed 002's GenerateCodeRequest, validated)."""

    description: str
    tools: list[dict[str, Any]]
    input_schema: dict[str, Any] | None
    output_schema: dict[str, Any] | None
    invokable_models: list[dict[str, Any]]
    swagger_specs: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class GeneratedAgent:
    code: str
    friendly_name: str | None
    docstring: str | None
    input_schema: dict[str, Any] | None
    output_schema: dict[str, Any] | None
    thoughts: str | None
    provider: str
    model: str
    tokens: int | None
    cost_usd: float


def _user_message(request: CodeRequest) -> str:
    parts = [f"What the agent should do:\n{request.description}"]
    if request.tools:
        described = [{k: v for k, v in tool.items() if k != "auth_token"} for tool in request.tools]
        parts.append(f"Its tools (call with tools.call):\n{json.dumps(described, indent=1)}")
    for name, schema in (("input", request.input_schema), ("output", request.output_schema)):
        if schema is not None:
            parts.append(f"Its {name} JSON schema:\n{json.dumps(schema)}")
    if request.invokable_models:
        parts.append(f"Models it may ask through tools.llm: {json.dumps(request.invokable_models)}")
    for spec in request.swagger_specs:
        parts.append(f"An API it may use (OpenAPI):\n{json.dumps(spec)[:SPEC_EXCERPT_CHARS]}")
    return "\n\n".join(parts)


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _schema(value: Any, given: dict[str, Any] | None) -> dict[str, Any] | None:
    """The composer's schema when it is a valid one, else the one given."""
    from shared.agents.code_schemas import check_json_schema

    if isinstance(value, dict):
        try:
            return check_json_schema(value)
        except ValueError:
            pass
    return given


def _friendly(value: str | None) -> str | None:
    from shared.agents.code_schemas import FRIENDLY_NAME_PATTERN

    if value is None:
        return None
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:63].strip("-")
    return slug if re.fullmatch(FRIENDLY_NAME_PATTERN, slug) else None


def parse_answer(text: str) -> dict[str, Any]:
    """The agent in a composer's answer: the JSON object asked for (bare or fenced), else a
    fenced Python block. ServiceUnavailable when it holds neither."""
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        try:
            data: Any = json.loads(text[start : end + 1])
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("code"), str):
            return data
    fenced = _PYTHON_FENCE.search(text)
    if fenced is not None:
        return {"code": fenced.group(1)}
    raise ServiceUnavailable(
        "the composer's answer held no code (no JSON with code, no Python block); try again "
        "or name another model"
    )


def generate_agent(
    team_id: str,
    user_id: str,
    request: CodeRequest,
    *,
    provider: str | None,
    model: str | None,
    parameters: dict[str, Any],
) -> GeneratedAgent:
    """Ask the composer for the agent. BudgetExceeded (402) before any provider is called
    over a limit; Unprocessable/Conflict for a composer the team cannot use;
    ServiceUnavailable when no provider answered or its code does not compile."""
    from shared.agents import template_code
    from shared.demos.domain import ModelConfig
    from shared.demos.generate import check_composer
    from shared.llm.router import CallContext, Target
    from shared.llm.team_router import router_for
    from shared.llm.types import CompletionRequest, Message, PhaseTask, ProviderError
    from shared.sandbox.client import check_syntax
    from shared.team_settings import get_team_settings

    given = None if provider is None else ModelConfig(provider=provider, model=model or "")
    composer = check_composer(team_id, given)
    completion_request = CompletionRequest(
        model=composer.model,
        messages=(Message("system", SYSTEM_PROMPT), Message("user", _user_message(request))),
        max_tokens=int(parameters.get("max_tokens") or DEFAULT_MAX_TOKENS),
        temperature=float(parameters.get("temperature", DEFAULT_TEMPERATURE)),
        task=PhaseTask(
            phase=template_code.PHASE,
            spec={
                "description": request.description,
                "input_schema": request.input_schema,
                "output_schema": request.output_schema,
                "tools": [tool.get("name") for tool in request.tools],
            },
        ),
    )
    call = CallContext(team_id=team_id, user_id=user_id, call_id=f"agentcode-{new_id()}")
    router = router_for(get_team_settings(team_id), renderer=template_code.render)
    try:
        routed = router.complete(
            call, Target(composer.provider, composer.model), completion_request
        )
    except ProviderError as exc:  # after the fallback; errors name no key
        raise ServiceUnavailable(f"the composer did not answer: {str(exc)[:300]}") from exc
    completion = routed.completion
    data = parse_answer(completion.text)
    code = str(data["code"])
    try:
        check_syntax(code)
    except Unprocessable as exc:
        raise ServiceUnavailable(
            f"the composer's code does not compile ({exc.detail}); try again or name another model"
        ) from exc
    counted = [n for n in (completion.tokens_in, completion.tokens_out) if n is not None]
    return GeneratedAgent(
        code=code,
        friendly_name=_friendly(_text(data, "friendly_name")),
        docstring=_text(data, "docstring"),
        input_schema=_schema(data.get("input_schema"), request.input_schema),
        output_schema=_schema(data.get("output_schema"), request.output_schema),
        thoughts=_text(data, "thoughts"),
        provider=routed.target.provider,
        model=completion.model or routed.target.model,
        tokens=sum(counted) if counted else None,
        cost_usd=routed.cost_usd,
    )
