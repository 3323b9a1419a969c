"""The Bedrock client on real botocore clients, their answers stubbed by botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from shared.aws import reset_clients
from shared.llm.providers.bedrock import BedrockProvider, bedrock_client
from shared.llm.types import CompletionRequest, Message, ProviderError

MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0"

CHAT = (
    Message("system", "You are terse."),
    Message("user", "Say hello."),
    Message("user", "In French."),
    Message("assistant", "Bonjour."),
    Message("user", "Again."),
)


def converse_answer(text: str = "Bonjour.", stop: str = "end_turn") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 31, "outputTokens": 6, "totalTokens": 37},
        "metrics": {"latencyMs": 420},
    }


@pytest.fixture
def runtime() -> Iterator[tuple[BaseClient, Stubber]]:
    client = boto3.session.Session(region_name="us-east-1").client("bedrock-runtime")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def provider(runtime: tuple[BaseClient, Stubber]) -> BedrockProvider:
    return BedrockProvider("bedrock-main", default_model=MODEL, client=runtime[0])


def ask(provider: BedrockProvider) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        provider.complete(CompletionRequest(model="", messages=CHAT))
    return caught.value


def test_a_completion_reports_text_tokens_and_stop_reason(
    runtime: tuple[BaseClient, Stubber], provider: BedrockProvider
) -> None:
    # Given Converse answers, for exactly this request: system apart, one turn per role
    _, stubber = runtime
    expected = {
        "modelId": MODEL,
        "system": [{"text": "You are terse."}],
        "messages": [
            {"role": "user", "content": [{"text": "Say hello."}, {"text": "In French."}]},
            {"role": "assistant", "content": [{"text": "Bonjour."}]},
            {"role": "user", "content": [{"text": "Again."}]},
        ],
        "inferenceConfig": {"maxTokens": 512, "temperature": 0.5},
    }
    stubber.add_response("converse", converse_answer(), expected)
    # When the default model completes the chat
    completion = provider.complete(
        CompletionRequest(model="", messages=CHAT, max_tokens=512, temperature=0.5)
    )
    # Then text, usage and stop reason come from Converse's answer
    assert completion.text == "Bonjour."
    assert (completion.tokens_in, completion.tokens_out) == (31, 6)
    assert completion.finish_reason == "stop"
    assert completion.model == MODEL
    assert completion.provider == "bedrock-main"


def test_max_tokens_stop_reason_is_length(
    runtime: tuple[BaseClient, Stubber], provider: BedrockProvider
) -> None:
    runtime[1].add_response("converse", converse_answer("Bon", stop="max_tokens"))
    completion = provider.complete(CompletionRequest(model="", messages=CHAT))
    assert completion.finish_reason == "length"


def test_throttling_is_rate_limited(
    runtime: tuple[BaseClient, Stubber], provider: BedrockProvider
) -> None:
    runtime[1].add_client_error(
        "converse",
        "ThrottlingException",
        "Too many requests, please wait before trying again.",
        http_status_code=429,
        response_meta={"HTTPHeaders": {"retry-after": "2"}},
    )
    error = ask(provider)
    assert (error.kind, error.transient, error.status) == ("rate_limited", True, 429)
    assert error.retry_after == 2.0
    assert "bedrock-main" in str(error)
    assert "ThrottlingException" in str(error)


def test_throttling_reads_retry_after_as_the_http_providers_do(
    runtime: tuple[BaseClient, Stubber], provider: BedrockProvider
) -> None:
    # Milliseconds are preferred to seconds, and nonsense is no wait at all
    for headers, wait in (
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after": "soon"}, None),
    ):
        runtime[1].add_client_error(
            "converse",
            "ThrottlingException",
            "Too many requests",
            http_status_code=429,
            response_meta={"HTTPHeaders": headers},
        )
        assert ask(provider).retry_after == wait


def test_a_validation_error_is_a_permanent_bad_request(
    runtime: tuple[BaseClient, Stubber], provider: BedrockProvider
) -> None:
    runtime[1].add_client_error(
        "converse", "ValidationException", "The provided model identifier is invalid."
    )
    error = ask(provider)
    assert (error.kind, error.transient, error.status) == ("bad_request", False, 400)
    assert "model identifier is invalid" in str(error)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ServiceUnavailableException", 503),
        ("ModelNotReadyException", 429),
        ("InternalServerException", 500),
    ],
)
def test_service_trouble_is_unavailable_and_transient(
    runtime: tuple[BaseClient, Stubber], provider: BedrockProvider, code: str, status: int
) -> None:
    runtime[1].add_client_error("converse", code, "try later", http_status_code=status)
    error = ask(provider)
    assert (error.kind, error.transient, error.status) == ("unavailable", True, status)


def test_access_denied_is_a_permanent_auth_error(
    runtime: tuple[BaseClient, Stubber], provider: BedrockProvider
) -> None:
    runtime[1].add_client_error(
        "converse", "AccessDeniedException", "no access to this model", http_status_code=403
    )
    error = ask(provider)
    assert (error.kind, error.transient) == ("auth", False)


def test_an_unknown_error_code_is_judged_by_its_status(
    runtime: tuple[BaseClient, Stubber], provider: BedrockProvider
) -> None:
    runtime[1].add_client_error("converse", "BrandNewException", "new", http_status_code=502)
    assert ask(provider).kind == "unavailable"


@pytest.mark.parametrize(
    "failure",
    [
        ReadTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"),
        EndpointConnectionError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"),
    ],
    ids=["read-timeout", "no-connection"],
)
def test_timeouts_and_lost_connections_are_transient_timeouts(failure: Exception) -> None:
    # Given a real client whose call fails before any answer, as a slow network would
    client = boto3.session.Session(region_name="us-east-1").client("bedrock-runtime")

    def fail(**_: Any) -> None:
        raise failure

    client.meta.events.register("before-call.bedrock-runtime.Converse", fail)
    # When it is asked, then the failure is a transient timeout
    error = ask(BedrockProvider("bedrock-main", default_model=MODEL, client=client))
    assert (error.kind, error.transient) == ("timeout", True)


def test_list_models_and_check() -> None:
    control = boto3.session.Session(region_name="us-east-1").client("bedrock")
    summaries = [
        {"modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{model}", "modelId": model}
        for model in ("amazon.nova-micro-v1:0", "amazon.nova-pro-v1:0")
    ]
    with Stubber(control) as stubber:
        for _ in range(2):  # list_models, then check
            stubber.add_response(
                "list_foundation_models",
                {"modelSummaries": summaries},
                {"byOutputModality": "TEXT"},
            )
        provider = BedrockProvider("bedrock-main", default_model=MODEL, control_client=control)
        assert provider.list_models() == ["amazon.nova-micro-v1:0", "amazon.nova-pro-v1:0"]
        assert provider.check() == 2


def test_the_default_client_waits_long_and_never_retries() -> None:
    # Given the client a provider builds when given none
    reset_clients()
    try:
        provider = BedrockProvider("bedrock-main", default_model=MODEL, read_timeout=90.0)
        client = bedrock_client("bedrock-runtime", 90.0)
        assert client.meta.config.read_timeout == 90.0  # a model may take minutes
        attempts: list[str] = []

        def unreachable(**_: Any) -> None:
            attempts.append("sent")
            raise EndpointConnectionError(endpoint_url="https://bedrock.invalid")

        client.meta.events.register("before-send.bedrock-runtime.Converse", unreachable)
        # When the endpoint cannot be reached, then one attempt is made: the router retries
        assert ask(provider).kind == "timeout"
        assert attempts == ["sent"]
    finally:
        reset_clients()
