"""OpenAI-compatible Chat Completions: OpenAI itself, or any server that speaks its API
(vLLM, Ollama, LiteLLM, OpenRouter, ...) at a base URL ending in /v1."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from shared.llm.providers import DEFAULT_READ_TIMEOUT
from shared.llm.providers.http import HttpProvider
from shared.llm.types import Completion, CompletionRequest, Pricing

DEFAULT_BASE_URL = "https://api.openai.com/v1"

# OpenAI's reasoning models (o1, o3, o4-mini, GPT-5) refuse `max_tokens` and any
# temperature but the default; the chat variant of GPT-5 takes both.
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5(?!-chat))")


def is_reasoning_model(model: str) -> bool:
    return bool(_REASONING_MODEL.match(model.rsplit("/", 1)[-1]))


class OpenAIProvider(HttpProvider):
    """Chat Completions at `base_url` (`POST {base_url}/chat/completions`)."""

    kind = "openai"
    completions_path = "/chat/completions"
    usage_keys = ("prompt_tokens", "completion_tokens")

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
        # A local server may want no key at all: then no Authorization header is sent.
        super().__init__(
            name,
            base_url=base_url.rstrip("/"),
            api_key=api_key,
            default_model=default_model,
            read_timeout=read_timeout,
            prices=prices,
            auth_header="authorization",
            auth_prefix="Bearer ",
        )

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

    def _payload(self, model: str, request: CompletionRequest) -> dict[str, Any]:
        return _payload(model, request)

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
        finish = choices[0].get("finish_reason")
        return self._answered(
            model, answer, text, finish if isinstance(finish, str) and finish else "stop"
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
