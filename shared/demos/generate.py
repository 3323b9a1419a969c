"""A demo page generated through the team's router (budget, breaker, fallback, ledger),
as every model call of the product is: the composer named by `modelConfig` (else the
team's default provider, else the built-in template generator) is asked for one JSON
object `{html, css, js, thoughts}`.

A model reads the messages; the template generator reads the structured task beside them
(shared.demos.template_page renders it: a real page, a form per API), so both answer in
the same shape and are read by the same parser. Tokens are what the provider counted
(None when it counted none: the template generator).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Final

from shared.demos.domain import MAX_CODE_BYTES, DemoApi, GeneratedCode, ModelConfig
from shared.errors import Conflict, NotFound, PayloadTooLarge, ServiceUnavailable, Unprocessable
from shared.ids import new_id

DEFAULT_MAX_TOKENS: Final = 8192
DEFAULT_TEMPERATURE: Final = 0.2
TITLE_CHARS: Final = 80
_FENCE = re.compile(r"```(html|css|js|javascript)\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)

SYSTEM_PROMPT: Final = """\
You write small single-page web demos. Answer with one JSON object and nothing else:
{"html": "...", "css": "...", "js": "...", "thoughts": "..."}
- html: the content of <body> only (no <html>, <head>, <script> or <style> elements, no
  inline event handler attributes such as onclick).
- css: the page's whole stylesheet. js: the page's whole script, plain browser JavaScript.
- The page is served with a content security policy: it loads nothing from anywhere (no
  images, fonts, scripts or styles from URLs, no frames) and may call only the API URLs
  listed, with fetch: POST the input as JSON (Content-Type: application/json), read the
  JSON answer. Show answers with textContent, never innerHTML.
- thoughts: one or two sentences on how the page uses the APIs.
"""


@dataclass(frozen=True, slots=True)
class GeneratedPage:
    code: GeneratedCode
    thoughts: str | None
    provider: str
    model: str
    tokens: int | None
    cost_usd: float


def _title(prompt: str) -> str:
    first = next((line.strip() for line in prompt.splitlines() if line.strip()), "")
    return (first[:TITLE_CHARS].rstrip() + "…") if len(first) > TITLE_CHARS else first or "Demo"


def _user_message(prompt: str, apis: list[DemoApi]) -> str:
    described = "\n\n".join(
        f"API '{api.friendly_name}': POST {api.url}\n"
        f"Description: {api.description or '(none)'}\n"
        f"Input JSON schema: {json.dumps(api.input_schema or {'type': 'object'})}"
        for api in apis
    )
    return f"What the page should do:\n{prompt}\n\nThe APIs it may call:\n{described}"


def check_composer(team_id: str, config: ModelConfig | None) -> ModelConfig:
    """The composer as the team has it: Unprocessable for a provider the team does not have
    or a model it does not offer, Conflict for a disabled one. None: the team's default
    provider, else the built-in template generator; no model: the provider's default."""
    from shared.llm import registry
    from shared.llm.providers import catalog
    from shared.llm.providers.templates import KIND as TEMPLATES

    if config is None:
        from shared.team_settings import get_team_settings

        config = ModelConfig(provider=get_team_settings(team_id).default_provider or TEMPLATES)
    try:
        stored = registry.config(team_id, config.provider)
    except NotFound:
        raise Unprocessable(
            f"modelConfig: provider '{config.provider}' is not a provider of this team "
            "(GET /providers)"
        ) from None
    if not stored.enabled:
        raise Conflict(f"provider '{config.provider}' is disabled: enable it, or name another")
    model = config.model or stored.default_model
    if model != stored.default_model and catalog.find(stored.kind, model) is None:
        raise Unprocessable(
            f"modelConfig: model '{model}' is not one of provider '{config.provider}''s "
            f"models (GET /providers/{config.provider}/models)"
        )
    return ModelConfig(provider=stored.name, model=model, parameters=config.parameters)


def parse_answer(text: str) -> tuple[GeneratedCode, str | None]:
    """The code in a composer's answer: the JSON object asked for (bare or fenced), else
    fenced html/css/js blocks. ServiceUnavailable when it holds neither."""
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        try:
            data: Any = json.loads(text[start : end + 1])
        except ValueError:
            data = None
        if isinstance(data, dict) and any(isinstance(data.get(k), str) for k in ("html", "js")):
            thoughts = data.get("thoughts")
            return (
                GeneratedCode(
                    html=str(data.get("html") or ""),
                    css=str(data.get("css") or ""),
                    js=str(data.get("js") or ""),
                ),
                thoughts if isinstance(thoughts, str) else None,
            )
    blocks: dict[str, str] = {}
    for language, body in _FENCE.findall(text):
        key = "js" if language.lower() == "javascript" else language.lower()
        blocks.setdefault(key, body.strip())
    if "html" in blocks:
        return GeneratedCode(**blocks), None
    raise ServiceUnavailable(
        "the composer's answer held no page (no JSON with html, css and js); try again or "
        "name another model"
    )


def generate_page(
    team_id: str, user_id: str, *, prompt: str, apis: list[DemoApi], config: ModelConfig
) -> GeneratedPage:
    """Ask the composer for the page; BudgetExceeded (402) before any provider is called
    when the team or the caller is over a limit, ServiceUnavailable when no provider
    answered, PayloadTooLarge when the code is over MAX_CODE_BYTES."""
    from shared.demos import template_page
    from shared.llm.router import CallContext, Target
    from shared.llm.team_router import router_for
    from shared.llm.types import CompletionRequest, Message, PhaseTask, ProviderError
    from shared.team_settings import get_team_settings

    parameters = config.parameters
    request = CompletionRequest(
        model=config.model,
        messages=(
            Message("system", SYSTEM_PROMPT),
            Message("user", _user_message(prompt, apis)),
        ),
        max_tokens=int(parameters.get("max_tokens") or DEFAULT_MAX_TOKENS),
        temperature=float(parameters.get("temperature", DEFAULT_TEMPERATURE)),
        task=PhaseTask(
            phase=template_page.PHASE,
            spec={
                "prompt": prompt,
                "title": _title(prompt),
                "apis": [asdict(api) for api in apis],
            },
        ),
    )
    call = CallContext(team_id=team_id, user_id=user_id, call_id=f"demo-{new_id()}")
    router = router_for(get_team_settings(team_id), renderer=template_page.render)
    try:
        routed = router.complete(call, Target(config.provider, config.model), request)
    except ProviderError as exc:  # after the fallback; errors name no key
        raise ServiceUnavailable(f"the composer did not answer: {str(exc)[:300]}") from exc
    completion = routed.completion
    code, thoughts = parse_answer(completion.text)
    if code.size() > MAX_CODE_BYTES:
        raise PayloadTooLarge(
            f"the generated code is over {MAX_CODE_BYTES // 1024} KiB; ask for a smaller page"
        )
    counted = [n for n in (completion.tokens_in, completion.tokens_out) if n is not None]
    return GeneratedPage(
        code=code,
        thoughts=thoughts,
        provider=routed.target.provider,
        model=completion.model or routed.target.model,
        tokens=sum(counted) if counted else None,
        cost_usd=routed.cost_usd,
    )
