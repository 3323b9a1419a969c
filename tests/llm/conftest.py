"""Fixtures for the provider clients: fake servers on loopback, providers pointed at them."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.llm.providers.anthropic import AnthropicProvider
from shared.llm.providers.openai import OpenAIProvider
from tests.llm.fake_servers import FakeServer, fake_anthropic, fake_openai

# Distinctive, so a test can prove it appears nowhere it should not.
API_KEY = "sk-fake-7Qm2Vx9Lr4Tz8Kb1Np6Hd3Wc"

# Generous for loopback; the timeout tests build their providers with a short read timeout.
READ_TIMEOUT = 5.0


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


def assert_key_hidden(error: BaseException) -> None:
    """The API key is in no part of an error a caller could print or log."""
    seen: BaseException | None = error
    while seen is not None:
        for shown in (str(seen), repr(seen), *map(repr, seen.args)):
            assert API_KEY not in shown
        seen = seen.__cause__ or seen.__context__
