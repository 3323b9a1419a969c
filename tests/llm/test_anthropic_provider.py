"""The Anthropic client against a fake Messages API server, over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from shared.llm.providers.anthropic import AnthropicProvider
from shared.llm.types import CompletionRequest, Message, ProviderError
from tests.factories import API_KEY, assert_key_hidden
from tests.fake_servers import FakeServer, Reply, anthropic_message, anthropic_models

MakeAnthropic = Callable[..., AnthropicProvider]

CHAT = (
    Message("system", "You are terse."),
    Message("user", "Say hello."),
    Message("assistant", "Hello."),
    Message("system", "Answer in French."),
    Message("user", "Again."),
)


def ask(provider: AnthropicProvider) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        provider.complete(CompletionRequest(model="claude-haiku-4-5", messages=CHAT))
    assert_key_hidden(caught.value)
    return caught.value


def test_a_completion_reports_text_tokens_and_stop_reason(
    anthropic_server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    # Given a server whose answer has two text blocks around a non-text one
    answer = anthropic_message("Bon", "jour.", input_tokens=40, output_tokens=4)
    answer["content"].insert(1, {"type": "thinking", "thinking": "hmm", "signature": "x"})
    anthropic_server.script("POST", "/v1/messages", Reply(body=answer))
    # When a chat is completed
    completion = make_anthropic().complete(
        CompletionRequest(model="claude-haiku-4-5", messages=CHAT, max_tokens=300, temperature=0)
    )
    # Then the text blocks, usage and stop reason come back (in OpenAI's words)
    assert completion.text == "Bonjour."
    assert (completion.tokens_in, completion.tokens_out) == (40, 4)
    assert completion.finish_reason == "stop"
    assert completion.model == "claude-haiku-4-5-20251001"
    assert completion.provider == "claude"
    # And the request carried the key and version headers, with system messages on top
    (sent,) = anthropic_server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/messages")
    assert sent.headers["x-api-key"] == API_KEY
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in sent.headers
    assert sent.body == {
        "model": "claude-haiku-4-5",
        "max_tokens": 300,
        "temperature": 0,
        "system": "You are terse.\n\nAnswer in French.",
        "messages": [
            {"role": "user", "content": "Say hello."},
            {"role": "assistant", "content": "Hello."},
            {"role": "user", "content": "Again."},
        ],
    }


def test_no_system_message_sends_no_system_field(
    anthropic_server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    make_anthropic().complete(CompletionRequest(model="", messages=(Message("user", "Hi"),)))
    body = anthropic_server.requests[0].body
    assert "system" not in body
    assert body["model"] == "claude-haiku-4-5"  # the default model


def test_max_tokens_stop_reason_is_length(
    anthropic_server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    anthropic_server.script(
        "POST", "/v1/messages", Reply(body=anthropic_message("Bon", stop_reason="max_tokens"))
    )
    completion = make_anthropic().complete(CompletionRequest(model="", messages=CHAT))
    assert completion.finish_reason == "length"


def test_a_base_url_ending_in_v1_is_not_doubled(
    anthropic_server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    make_anthropic(base_url=f"{anthropic_server.url}/v1/").complete(
        CompletionRequest(model="", messages=CHAT)
    )
    assert anthropic_server.requests[0].path == "/v1/messages"


def test_429_with_an_http_date_is_rate_limited_with_retry_after(
    anthropic_server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    # Given a 429 asking to come back in about 30 s, as an HTTP-date
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    anthropic_server.script(
        "POST",
        "/v1/messages",
        Reply(
            429,
            {"type": "error", "error": {"type": "rate_limit_error", "message": "Slow down"}},
            {"retry-after": later},
        ),
    )
    error = ask(make_anthropic())
    assert (error.kind, error.transient, error.status) == ("rate_limited", True, 429)
    assert error.retry_after is not None
    assert 25 < error.retry_after <= 31  # the date has whole seconds
    assert "Slow down" in str(error)


@pytest.mark.parametrize("status", [500, 529])
def test_server_errors_and_overload_are_unavailable(
    anthropic_server: FakeServer, make_anthropic: MakeAnthropic, status: int
) -> None:
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    anthropic_server.script("POST", "/v1/messages", Reply(status, overloaded, {"retry-after": "3"}))
    error = ask(make_anthropic())
    assert (error.kind, error.transient, error.status) == ("unavailable", True, status)
    assert error.retry_after == 3.0
    assert "Overloaded" in str(error)


def test_an_answer_slower_than_the_read_timeout_is_a_timeout(
    anthropic_server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    anthropic_server.script("POST", "/v1/messages", Reply(body=anthropic_message(), delay=1.0))
    started = time.monotonic()
    error = ask(make_anthropic(read_timeout=0.2))
    assert time.monotonic() - started < 0.9
    assert (error.kind, error.transient) == ("timeout", True)


def test_a_refused_connection_is_a_transient_timeout(
    make_anthropic: MakeAnthropic, closed_port_url: str
) -> None:
    error = ask(make_anthropic(base_url=closed_port_url))
    assert (error.kind, error.transient) == ("timeout", True)


@pytest.mark.parametrize(
    "body",
    [
        b"\x00\xff not json",
        {"type": "message", "role": "assistant"},
        {"content": "hi", "usage": {"input_tokens": 1, "output_tokens": 1}},
        {"content": [{"type": "text", "text": "hi"}], "usage": {"input_tokens": 1}},
    ],
    ids=["not-json", "no-content", "content-not-a-list", "no-output-tokens"],
)
def test_a_200_of_the_wrong_shape_is_malformed(
    anthropic_server: FakeServer, make_anthropic: MakeAnthropic, body: object
) -> None:
    anthropic_server.script("POST", "/v1/messages", Reply(200, body))
    error = ask(make_anthropic())
    assert (error.kind, error.transient) == ("malformed", True)


def test_a_refused_key_is_auth_and_never_echoed(
    anthropic_server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    echo = {
        "type": "error",
        "error": {"type": "authentication_error", "message": f"invalid x-api-key {API_KEY}"},
    }
    anthropic_server.script("POST", "/v1/messages", Reply(401, echo))
    error = ask(make_anthropic())
    assert (error.kind, error.transient, error.status) == ("auth", False, 401)
    assert "[redacted]" in str(error)
    assert "claude" in str(error)


def test_a_key_echoed_in_a_plain_text_body_is_redacted_too(
    anthropic_server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    anthropic_server.script("POST", "/v1/messages", Reply(400, f"bad request from {API_KEY}"))
    error = ask(make_anthropic())
    assert (error.kind, error.transient) == ("bad_request", False)
    assert "[redacted]" in str(error)


def test_list_models_follows_pages_and_check_counts_them(
    anthropic_server: FakeServer, make_anthropic: MakeAnthropic
) -> None:
    # Given two pages of models
    anthropic_server.script(
        "GET",
        "/v1/models",
        Reply(body=anthropic_models("claude-opus-4-5", "claude-sonnet-4-5", has_more=True)),
        Reply(body=anthropic_models("claude-haiku-4-5")),
    )
    # When they are listed, then both pages are read
    provider = make_anthropic()
    assert provider.list_models() == ["claude-opus-4-5", "claude-sonnet-4-5", "claude-haiku-4-5"]
    first, second = anthropic_server.requests
    assert first.query == {"limit": "1000"}
    assert second.query == {"limit": "1000", "after_id": "claude-sonnet-4-5"}
    assert first.headers["x-api-key"] == API_KEY
    # And check() counts what one listing finds
    assert provider.check() == 1


def test_the_key_is_not_in_repr(make_anthropic: MakeAnthropic) -> None:
    provider = make_anthropic()
    assert API_KEY not in repr(provider)
    assert API_KEY not in str(provider)
