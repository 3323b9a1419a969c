"""OpenAI-compatible Chat Completions: OpenAI itself, or any server that speaks its API
(vLLM, Ollama, LiteLLM, OpenRouter, ...) at a base URL ending in /v1."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from shared.llm.providers import DEFAULT_READ_TIMEOUT
from shared.llm.providers.catalog import price
from shared.llm.providers.http import JsonHttp, count
from shared.llm.types import Completion, CompletionRequest, Pricing

DEFAULT_BASE_URL = "https://api.openai.com/v1"

# OpenAI's reasoning models (o1, o3, o4-mini, GPT-5) refuse `max_tokens` and any
# temperature but the default; the chat variant of GPT-5 takes both.
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5(?!-chat))")


def is_reasoning_model(model: str) -> bool:
    return bool(_REASONING_MODEL.match(model.rsplit("/", 1)[-1]))


class OpenAIProvider:
    """Chat Completions at `base_url` (`POST {base_url}/chat/completions`)."""

    kind = "openai"

    def __init__(
        self,
        name: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str = "",
        default_model: str,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        prices: Mapping[str, Pricing] | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.default_model = default_model
        self._prices = dict(prices or {})
        # A local server may want no key at all: then no Authorization header is sent.
        self._http = JsonHttp(
            name,
            base_url=self.base_url,
            api_key=api_key,
            auth_header="authorization",
            auth_prefix="Bearer ",
            read_timeout=read_timeout,
        )

    def __repr__(self) -> str:
        return (
            f"OpenAIProvider(name={self.name!r}, base_url={self.base_url!r}, "
            f"default_model={self.default_model!r})"
        )

    def complete(self, request: CompletionRequest) -> Completion:
        model = request.model or self.default_model
        answer = self._http.request("POST", "/chat/completions", body=_payload(model, request))
        return self._completion(model, answer)

    def list_models(self) -> list[str]:
        answer = self._http.request("GET", "/models")
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list):
            raise self._http.malformed("the model list has no `data` list")
        return [
            item["id"]
            for item in data
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        ]

    def check(self) -> int:
        return len(self.list_models())

    def pricing(self, model: str) -> Pricing:
        return price(self.kind, model, self._prices)

    def close(self) -> None:
        self._http.close()

    def _completion(self, model: str, answer: Any) -> Completion:
        choices = answer.get("choices") if isinstance(answer, dict) else None
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise self._http.malformed("the answer has no choices")
        message = choices[0].get("message")
        if not isinstance(message, dict):
            raise self._http.malformed("the first choice has no message")
        # A refusal or a tool call comes with `content: null`.
        text = message.get("content") or ""
        if not isinstance(text, str):
            raise self._http.malformed("the message content is not text")
        usage = answer.get("usage")
        tokens_in, tokens_out = count(usage, "prompt_tokens"), count(usage, "completion_tokens")
        if tokens_in is None or tokens_out is None:
            # Without usage the spend cannot be counted: do not pass it off as free.
            raise self._http.malformed("the answer has no token usage")
        finish = choices[0].get("finish_reason")
        answered_by = answer.get("model")
        return Completion(
            text=text,
            model=answered_by if isinstance(answered_by, str) and answered_by else model,
            provider=self.name,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            finish_reason=finish if isinstance(finish, str) and finish else "stop",
        )


def _payload(model: str, request: CompletionRequest) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
    }
    if is_reasoning_model(model):
        payload["max_completion_tokens"] = request.max_tokens
    else:
        payload["max_tokens"] = request.max_tokens
        payload["temperature"] = request.temperature
    return payload
