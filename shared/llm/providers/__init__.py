"""Real LLM providers, built from a team's configuration by `build_provider`.

Kinds: "openai" (any OpenAI-compatible Chat Completions server), "anthropic" (the
Messages API), "bedrock" (Converse, through the function's IAM role) and "templates" (the
built-in template generator, not a model; "offline" is its older name, still accepted).
Each kind's module is imported only when a provider of that kind is
built: httpx and botocore stay out of cold starts that never call a model.

Clients never retry: a failure becomes one `ProviderError` with its `kind`, and the
router above decides whether to wait, retry or fall back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from shared.llm.providers.templates import KIND as TEMPLATES
from shared.llm.providers.templates import TemplateProvider, canonical_kind
from shared.llm.types import ErrorKind, Pricing, Provider

KINDS = ("openai", "anthropic", "bedrock", TEMPLATES)

# Seconds to wait for an answer: a long completion sends nothing until it is done.
DEFAULT_READ_TIMEOUT = 120.0


class ProviderClient(Provider, Protocol):
    """A provider the factory builds: it also lists its models, for checks and catalogs."""

    default_model: str

    def list_models(self) -> list[str]: ...

    def check(self) -> int: ...

    def close(self) -> None: ...


def kind_for_status(status: int) -> ErrorKind:
    """Why an HTTP status failed, in ProviderError's words."""
    if status == 429:
        return "rate_limited"
    if status in (401, 403):
        return "auth"
    if status == 408:
        return "timeout"  # the server gave up waiting for us: worth another try
    if status >= 500:
        return "unavailable"  # Anthropic's 529 "overloaded" included
    return "bad_request"


def build_provider(
    kind: str,
    name: str,
    base_url: str = "",
    api_key: str = "",
    default_model: str = "",
    *,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    prices: Mapping[str, Pricing] | None = None,
) -> ProviderClient:
    """A provider of `kind` named `name`.

    An empty `base_url` means the vendor's own API. Bedrock ignores `base_url` and
    `api_key`: it signs with the function's AWS credentials in its configured region.
    `prices` (USD per million tokens, by model) override the built-in catalog's, e.g.
    for a self-hosted OpenAI-compatible model. Raises ValueError for an unknown kind or
    an unusable configuration.
    """
    if not name:
        raise ValueError("a provider needs a name")
    kind = canonical_kind(kind)
    if kind == TEMPLATES:
        # Handed no renderer: the pipeline gives it its own (shared.llm.team_router).
        return TemplateProvider(name)
    if kind not in KINDS:
        raise ValueError(f"unknown provider kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not default_model:
        raise ValueError(f"a {kind} provider needs a default model")
    if kind == "openai":
        from shared.llm.providers.openai import DEFAULT_BASE_URL, OpenAIProvider

        return OpenAIProvider(
            name,
            base_url=base_url or DEFAULT_BASE_URL,
            api_key=api_key,
            default_model=default_model,
            read_timeout=read_timeout,
            prices=prices,
        )
    if kind == "anthropic":
        from shared.llm.providers.anthropic import DEFAULT_BASE_URL as ANTHROPIC_URL
        from shared.llm.providers.anthropic import AnthropicProvider

        return AnthropicProvider(
            name,
            base_url=base_url or ANTHROPIC_URL,
            api_key=api_key,
            default_model=default_model,
            read_timeout=read_timeout,
            prices=prices,
        )
    from shared.llm.providers.bedrock import BedrockProvider

    return BedrockProvider(
        name, default_model=default_model, read_timeout=read_timeout, prices=prices
    )


__all__ = [
    "DEFAULT_READ_TIMEOUT",
    "KINDS",
    "ProviderClient",
    "TemplateProvider",
    "build_provider",
    "kind_for_status",
]
