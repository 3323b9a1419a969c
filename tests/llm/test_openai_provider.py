"""The OpenAI-compatible client against a fake Chat Completions server, over real HTTP."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest

from shared.llm.providers.openai import OpenAIProvider
from shared.llm.types import CompletionRequest, Message, ProviderError
from tests.factories import API_KEY, assert_key_hidden
from tests.fake_servers import FakeServer, Reply, openai_chat

MakeOpenAI = Callable[..., OpenAIProvider]

CHAT = (Message("system", "You are terse."), Message("user", "Say hello."))


def ask(provider: OpenAIProvider, model: str = "gpt-4o-mini") -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        provider.complete(CompletionRequest(model=model, messages=CHAT))
    assert_key_hidden(caught.value)
    return caught.value


def test_a_completion_reports_text_tokens_and_finish_reason(
    openai_server: FakeServer, make_openai: MakeOpenAI
) -> None:
    # Given a server that answers with a completion
    openai_server.script(
        "POST",
        "/v1/chat/completions",
        Reply(body=openai_chat("Hello.", prompt_tokens=17, completion_tokens=3)),
    )
    # When a chat is completed
    completion = make_openai().complete(
        CompletionRequest(model="gpt-4o-mini", messages=CHAT, max_tokens=256, temperature=0.3)
    )
    # Then the answer's text, usage, finish reason and model come back
    assert completion.text == "Hello."
    assert (completion.tokens_in, completion.tokens_out) == (17, 3)
    assert completion.finish_reason == "stop"
    assert completion.model == "gpt-4o-mini-2024-07-18"  # the snapshot the server named
    assert completion.provider == "openai-main"
    # And the request was Chat Completions, with the key as a bearer token
    (sent,) = openai_server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.body == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Say hello."},
        ],
        "max_tokens": 256,
        "temperature": 0.3,
    }


def test_an_empty_model_means_the_default_model(
    openai_server: FakeServer, make_openai: MakeOpenAI
) -> None:
    make_openai(default_model="gpt-4.1").complete(CompletionRequest(model="", messages=CHAT))
    assert openai_server.requests[0].body["model"] == "gpt-4.1"


def test_reasoning_models_get_max_completion_tokens_and_no_temperature(
    openai_server: FakeServer, make_openai: MakeOpenAI
) -> None:
    # OpenAI refuses `max_tokens` and a non-default temperature for o-series and GPT-5
    make_openai().complete(CompletionRequest(model="gpt-5-mini", messages=CHAT, max_tokens=99))
    body = openai_server.requests[0].body
    assert body["max_completion_tokens"] == 99
    assert "max_tokens" not in body
    assert "temperature" not in body


def test_a_truncated_answer_says_length(openai_server: FakeServer, make_openai: MakeOpenAI) -> None:
    openai_server.script(
        "POST", "/v1/chat/completions", Reply(body=openai_chat("Hel", finish_reason="length"))
    )
    completion = make_openai().complete(CompletionRequest(model="", messages=CHAT))
    assert completion.finish_reason == "length"


def test_no_key_sends_no_authorization(openai_server: FakeServer, make_openai: MakeOpenAI) -> None:
    # A local OpenAI-compatible server (Ollama, vLLM) may need no key
    make_openai(api_key="").complete(CompletionRequest(model="", messages=CHAT))
    assert "authorization" not in openai_server.requests[0].headers


def test_429_is_rate_limited_with_retry_after(
    openai_server: FakeServer, make_openai: MakeOpenAI
) -> None:
    openai_server.script(
        "POST",
        "/v1/chat/completions",
        Reply(429, {"error": {"message": "Rate limit reached"}}, {"retry-after": "7"}),
    )
    error = ask(make_openai())
    assert (error.kind, error.transient, error.status) == ("rate_limited", True, 429)
    assert error.retry_after == 7.0
    assert error.provider == "openai-main"
    assert "openai-main" in str(error)
    assert "429" in str(error)
    assert "Rate limit reached" in str(error)


def test_retry_after_ms_is_preferred(openai_server: FakeServer, make_openai: MakeOpenAI) -> None:
    # OpenAI sends the finer `retry-after-ms` beside the whole seconds of `Retry-After`
    openai_server.script(
        "POST",
        "/v1/chat/completions",
        Reply(429, {}, {"retry-after": "1", "retry-after-ms": "250"}),
    )
    assert ask(make_openai()).retry_after == 0.25


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_unavailable_and_transient(
    openai_server: FakeServer, make_openai: MakeOpenAI, status: int
) -> None:
    openai_server.script("POST", "/v1/chat/completions", Reply(status, "upstream trouble"))
    error = ask(make_openai())
    assert (error.kind, error.transient, error.status) == ("unavailable", True, status)
    assert error.retry_after is None


def test_an_answer_slower_than_the_read_timeout_is_a_timeout(
    openai_server: FakeServer, make_openai: MakeOpenAI
) -> None:
    # Given a server that takes a second and a client that waits 0.2 s
    openai_server.script("POST", "/v1/chat/completions", Reply(body=openai_chat(), delay=1.0))
    provider = make_openai(read_timeout=0.2)
    # When it is asked
    started = time.monotonic()
    error = ask(provider)
    # Then it gives up on time, with a transient timeout
    assert time.monotonic() - started < 0.9
    assert (error.kind, error.transient, error.status) == ("timeout", True, None)


def test_a_refused_connection_is_a_transient_timeout(
    make_openai: MakeOpenAI, closed_port_url: str
) -> None:
    error = ask(make_openai(base_url=f"{closed_port_url}/v1"))
    assert (error.kind, error.transient) == ("timeout", True)


@pytest.mark.parametrize(
    "body",
    [
        "<html>gateway says hi</html>",
        {},
        {"choices": []},
        {"choices": [{"message": {"content": 42}}], "usage": {"prompt_tokens": 1}},
        {"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]},
    ],
    ids=["not-json", "no-choices", "empty-choices", "content-not-text", "no-usage"],
)
def test_a_200_of_the_wrong_shape_is_malformed(
    openai_server: FakeServer, make_openai: MakeOpenAI, body: object
) -> None:
    openai_server.script("POST", "/v1/chat/completions", Reply(200, body))
    error = ask(make_openai())
    assert (error.kind, error.transient) == ("malformed", True)


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_is_auth_and_never_echoed(
    openai_server: FakeServer, make_openai: MakeOpenAI, status: int
) -> None:
    # Given a server whose refusal quotes the key back
    echo = {"error": {"message": f"Incorrect API key provided: {API_KEY}. Check it."}}
    openai_server.script("POST", "/v1/chat/completions", Reply(status, echo))
    # When it is asked, then the error is permanent and the key is redacted
    error = ask(make_openai())
    assert (error.kind, error.transient, error.status) == ("auth", False, status)
    assert "[redacted]" in str(error)


def test_other_4xx_are_bad_requests_with_a_short_excerpt(
    openai_server: FakeServer, make_openai: MakeOpenAI
) -> None:
    long_message = "The model `gpt-nope` does not exist. " + "x" * 2000
    openai_server.script(
        "POST", "/v1/chat/completions", Reply(404, {"error": {"message": long_message}})
    )
    error = ask(make_openai(), model="gpt-nope")
    assert (error.kind, error.transient, error.status) == ("bad_request", False, 404)
    assert "does not exist" in str(error)
    assert len(str(error)) < 300


def test_list_models_and_check(openai_server: FakeServer, make_openai: MakeOpenAI) -> None:
    provider = make_openai()
    assert provider.list_models() == ["gpt-4o-mini", "gpt-4.1"]
    assert provider.check() == 2
    assert all(r.path == "/v1/models" for r in openai_server.requests)
    assert openai_server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"


def test_check_raises_the_same_errors(openai_server: FakeServer, make_openai: MakeOpenAI) -> None:
    openai_server.script("GET", "/v1/models", Reply(401, {"error": {"message": "bad key"}}))
    with pytest.raises(ProviderError) as caught:
        make_openai().check()
    assert (caught.value.kind, caught.value.transient) == ("auth", False)


def test_the_key_is_not_in_repr_or_logs(
    make_openai: MakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    provider = make_openai()
    with caplog.at_level(logging.DEBUG):
        provider.complete(CompletionRequest(model="", messages=CHAT))
        provider.list_models()
    assert caplog.records  # httpx and httpcore did log the calls
    assert API_KEY not in caplog.text
    assert API_KEY not in repr(provider)
    assert API_KEY not in str(provider)
    assert "openai-main" in repr(provider)


@pytest.mark.parametrize("base_url", ["ftp://example.com/v1", "example.com/v1", "http://u:p@h/v1"])
def test_an_unusable_base_url_is_refused(base_url: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        OpenAIProvider("o", base_url=base_url, api_key=API_KEY, default_model="m")


def test_a_body_its_encoding_cannot_undo_is_malformed(
    openai_server: FakeServer, make_openai: MakeOpenAI
) -> None:
    openai_server.script(
        "POST", "/v1/chat/completions", Reply(200, b"not gzip at all", {"content-encoding": "gzip"})
    )
    error = ask(make_openai())
    assert (error.kind, error.transient) == ("malformed", True)
