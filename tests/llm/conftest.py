"""Fixtures for the provider clients: fake servers on loopback, providers pointed at them."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.llm.providers.anthropic import AnthropicProvider
from shared.llm.providers.openai import OpenAIProvider
from tests.factories import API_KEY, READ_TIMEOUT
from tests.fake_servers import FakeServer, fake_anthropic, fake_openai


@pytest.fixture
def openai_server() -> Iterator[FakeServer]:
    with fake_openai() as server:
        yield server


@pytest.fixture
def anthropic_server() -> Iterator[FakeServer]:
    with fake_anthropic() as server:
        yield server


@pytest.fixture
def make_openai(openai_server: FakeServer) -> Iterator[Callable[..., OpenAIProvider]]:
    """Build an OpenAI provider against the fake server; closed after the test."""
    built: list[OpenAIProvider] = []

    def make(**overrides: Any) -> OpenAIProvider:
        options: dict[str, Any] = {
            "base_url": f"{openai_server.url}/v1",
            "api_key": API_KEY,
            "default_model": "gpt-4o-mini",
            "read_timeout": READ_TIMEOUT,
        }
        provider = OpenAIProvider("openai-main", **(options | overrides))
        built.append(provider)
        return provider

    yield make
    for provider in built:
        provider.close()


@pytest.fixture
def make_anthropic(anthropic_server: FakeServer) -> Iterator[Callable[..., AnthropicProvider]]:
    """Build an Anthropic provider against the fake server; closed after the test."""
    built: list[AnthropicProvider] = []

    def make(**overrides: Any) -> AnthropicProvider:
        options: dict[str, Any] = {
            "base_url": anthropic_server.url,
            "api_key": API_KEY,
            "default_model": "claude-haiku-4-5",
            "read_timeout": READ_TIMEOUT,
        }
        provider = AnthropicProvider("claude", **(options | overrides))
        built.append(provider)
        return provider

    yield make
    for provider in built:
        provider.close()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
