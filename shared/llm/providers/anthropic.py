"""Anthropic's Messages API (`POST {base_url}/v1/messages`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.llm.providers import DEFAULT_READ_TIMEOUT
from shared.llm.providers.http import HttpProvider
from shared.llm.types import Completion, CompletionRequest, Pricing

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
_MODEL_PAGE = 1000  # the API's largest page
_MAX_MODEL_PAGES = 20

# Completion.finish_reason speaks OpenAI's words, whichever provider answered.
_FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


class AnthropicProvider(HttpProvider):
    """Claude through the Messages API; system messages go to the top-level `system`."""

    kind = "anthropic"
    completions_path = "/v1/messages"
    usage_keys = ("input_tokens", "output_tokens")

    def __init__(
        self,
        name: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str,
        default_model: str,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        prices: Mapping[str, Pricing] | None = None,
    ) -> None:
        super().__init__(
            name,
            # Paths below start with /v1: a base URL given with it would double it.
            base_url=base_url.rstrip("/").removesuffix("/v1"),
            api_key=api_key,
            default_model=default_model,
            read_timeout=read_timeout,
            prices=prices,
            auth_header="x-api-key",
            headers={"anthropic-version": API_VERSION},
        )

    def list_models(self) -> list[str]:
        names: list[str] = []
        params: dict[str, str | int] = {"limit": _MODEL_PAGE}
        for _ in range(_MAX_MODEL_PAGES):
            page = self._http.request("GET", "/v1/models", params=params)
            data = page.get("data") if isinstance(page, dict) else None
            if not isinstance(data, list):
                raise self._http.malformed("the model list has no `data` list")
            names += [m["id"] for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)]
            last_id = page.get("last_id")
            if page.get("has_more") is not True or not isinstance(last_id, str):
                break
            params = {"limit": _MODEL_PAGE, "after_id": last_id}
        return names

    def _payload(self, model: str, request: CompletionRequest) -> dict[str, Any]:
        return _payload(model, request)

    def _completion(self, model: str, answer: Any) -> Completion:
        content = answer.get("content") if isinstance(answer, dict) else None
        if not isinstance(content, list):
            raise self._http.malformed("the answer has no content list")
        text = "".join(
            block["text"]
            for block in content
            if isinstance(block, dict)
            and block.get("type") == "text"
            and isinstance(block.get("text"), str)
        )
        stop = answer.get("stop_reason")
        finish = _FINISH_REASONS.get(stop, stop) if isinstance(stop, str) else "stop"
        return self._answered(model, answer, text, finish)


def _payload(model: str, request: CompletionRequest) -> dict[str, Any]:
    system = [m.content for m in request.messages if m.role == "system"]
    payload: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "messages": [
            {"role": m.role, "content": m.content} for m in request.messages if m.role != "system"
        ],
    }
    if system:
        payload["system"] = "\n\n".join(system)
    return payload
