"""build_provider: one provider per configured kind; and the errors' kinds."""

from __future__ import annotations

import pytest

from shared.llm.providers import build_provider
from shared.llm.providers.anthropic import AnthropicProvider
from shared.llm.providers.bedrock import BedrockProvider
from shared.llm.providers.openai import OpenAIProvider
from shared.llm.providers.templates import TemplateProvider
from shared.llm.types import CompletionRequest, Message, ProviderError
from tests.factories import API_KEY


def test_openai_and_anthropic_default_to_the_vendors_own_api() -> None:
    openai = build_provider("openai", "gpt", "", API_KEY, "gpt-4.1")
    anthropic = build_provider("anthropic", "claude", "", API_KEY, "claude-sonnet-4-5")
    try:
        assert isinstance(openai, OpenAIProvider)
        assert openai.base_url == "https://api.openai.com/v1"
        assert isinstance(anthropic, AnthropicProvider)
        assert anthropic.base_url == "https://api.anthropic.com"
        assert (openai.name, openai.kind, openai.default_model) == ("gpt", "openai", "gpt-4.1")
        assert API_KEY not in repr(openai) + repr(anthropic)
    finally:
        openai.close()
        anthropic.close()


def test_a_custom_base_url_and_read_timeout_are_kept() -> None:
    provider = build_provider(
        "openai", "vllm", "http://10.0.0.5:8000/v1/", "", "qwen", read_timeout=300
    )
    try:
        assert isinstance(provider, OpenAIProvider)
        assert provider.base_url == "http://10.0.0.5:8000/v1"
    finally:
        provider.close()


def test_bedrock_is_built_without_touching_aws() -> None:
    provider = build_provider("bedrock", "aws", default_model="amazon.nova-pro-v1:0")
    assert isinstance(provider, BedrockProvider)
    assert provider.kind == "bedrock"


@pytest.mark.parametrize("kind", ["templates", "offline"], ids=["templates", "older-name"])
def test_the_template_generator_keeps_its_name_and_says_what_it_is(kind: str) -> None:
    # Given a template generator built under today's kind or its older name
    provider = build_provider(kind, "templates-backup")
    assert isinstance(provider, TemplateProvider)
    assert (provider.kind, provider.default_model) == ("templates", "templates-1")
    assert provider.check() == 1
    # When it is sent a plain message
    completion = provider.complete(CompletionRequest(model="", messages=(Message("user", "hi"),)))
    # Then it answers under its own name, says it is no model, and counts no tokens
    assert completion.provider == "templates-backup"
    assert completion.model == "templates-1"
    assert "not a language model" in completion.text
    assert (completion.tokens_in, completion.tokens_out) == (None, None)


@pytest.mark.parametrize(
    ("kind", "name", "model"),
    [("gemini", "g", "m"), ("openai", "", "m"), ("openai", "o", ""), ("bedrock", "b", "")],
    ids=["unknown-kind", "no-name", "openai-no-model", "bedrock-no-model"],
)
def test_an_unusable_configuration_is_a_value_error(kind: str, name: str, model: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        build_provider(kind, name, "", API_KEY, model)


def test_transient_follows_from_the_kind() -> None:
    assert ProviderError("x", kind="rate_limited").transient is True
    assert ProviderError("x", kind="malformed").transient is True
    assert ProviderError("x", kind="auth").transient is False
    assert ProviderError("x", kind="bad_request").transient is False
    # An explicit flag still wins over the kind
    legacy = ProviderError("x", transient=False)
    assert (legacy.transient, legacy.kind, legacy.retry_after) == (False, None, None)
    with pytest.raises(TypeError):
        ProviderError("x")
