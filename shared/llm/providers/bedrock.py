"""Amazon Bedrock's Converse API through boto3, signed with the function's IAM role.

The default clients are `shared.aws.client`'s with other settings: a request path's read
for at most 10 s and retry three times, while a model may take minutes to answer and the
router, not the client, decides about retries. These wait `read_timeout` and make one
attempt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shared.aws import client
from shared.llm.providers import DEFAULT_READ_TIMEOUT, kind_for_status
from shared.llm.providers.catalog import price
from shared.llm.types import Completion, CompletionRequest, ErrorKind, Pricing, ProviderError

if TYPE_CHECKING:
    from botocore.client import BaseClient

EXCERPT_CHARS = 200

_ERROR_KINDS: dict[str, ErrorKind] = {
    "ThrottlingException": "rate_limited",
    "ServiceQuotaExceededException": "rate_limited",
    "ServiceUnavailableException": "unavailable",
    "ModelNotReadyException": "unavailable",
    "InternalServerException": "unavailable",
    "ModelErrorException": "unavailable",
    "ModelTimeoutException": "timeout",
    "AccessDeniedException": "auth",
    "UnrecognizedClientException": "auth",
    "ExpiredTokenException": "auth",
    "ValidationException": "bad_request",
    "ResourceNotFoundException": "bad_request",
}

# Completion.finish_reason speaks OpenAI's words, whichever provider answered.
_FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
}


def bedrock_client(service_name: str, read_timeout: float) -> BaseClient:
    """The cached `bedrock-runtime` or `bedrock` client that waits long and never retries."""
    return client(service_name, connect_timeout=5, read_timeout=read_timeout, retries=0)


class BedrockProvider:
    """Converse with any Bedrock model id or inference profile."""

    kind = "bedrock"

    def __init__(
        self,
        name: str,
        *,
        default_model: str,
        client: BaseClient | None = None,
        control_client: BaseClient | None = None,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        prices: Mapping[str, Pricing] | None = None,
    ) -> None:
        self.name = name
        self.default_model = default_model
        self._client = client  # bedrock-runtime: Converse
        self._control_client = control_client  # bedrock: ListFoundationModels
        self._read_timeout = read_timeout
        self._prices = dict(prices or {})

    def __repr__(self) -> str:
        return f"BedrockProvider(name={self.name!r}, default_model={self.default_model!r})"

    def complete(self, request: CompletionRequest) -> Completion:
        from botocore.exceptions import BotoCoreError, ClientError

        model = request.model or self.default_model
        runtime = self._client or bedrock_client("bedrock-runtime", self._read_timeout)
        try:
            answer = runtime.converse(**_arguments(model, request))
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc) from exc
        return self._completion(model, answer)

    def list_models(self) -> list[str]:
        """Text models on offer in the region (inference profiles are not listed)."""
        from botocore.exceptions import BotoCoreError, ClientError

        control = self._control_client or bedrock_client("bedrock", self._read_timeout)
        try:
            answer = control.list_foundation_models(byOutputModality="TEXT")
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc) from exc
        summaries = answer.get("modelSummaries", [])
        return [s["modelId"] for s in summaries if isinstance(s.get("modelId"), str)]

    def check(self) -> int:
        return len(self.list_models())

    def pricing(self, model: str) -> Pricing:
        return price(self.kind, model, self._prices)

    def close(self) -> None:
        """The clients are shared per container; nothing to release."""

    def _completion(self, model: str, answer: Any) -> Completion:
        output = answer.get("output") if isinstance(answer, dict) else None
        message = output.get("message") if isinstance(output, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        usage = answer.get("usage") if isinstance(answer, dict) else None
        tokens_in = usage.get("inputTokens") if isinstance(usage, dict) else None
        tokens_out = usage.get("outputTokens") if isinstance(usage, dict) else None
        if not isinstance(content, list):
            raise self._malformed("the answer has no message content")
        if not isinstance(tokens_in, int) or not isinstance(tokens_out, int):
            raise self._malformed("the answer has no token usage")
        text = "".join(
            block["text"]
            for block in content
            if isinstance(block, dict) and isinstance(block.get("text"), str)
        )
        stop = answer.get("stopReason")
        return Completion(
            text=text,
            model=model,  # Converse does not say; the id asked for is the one that answered
            provider=self.name,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            finish_reason=_FINISH_REASONS.get(stop, stop) if isinstance(stop, str) else "stop",
        )

    def _malformed(self, detail: str) -> ProviderError:
        return ProviderError(
            f"{self.name} (malformed): {detail}", kind="malformed", provider=self.name
        )

    def _error(self, exc: Exception) -> ProviderError:
        from botocore import exceptions as boto

        if isinstance(exc, boto.ClientError):
            return self._service_error(exc.response)
        kind: ErrorKind
        if isinstance(exc, boto.ConnectionError | boto.HTTPClientError):
            kind = "timeout"  # connect and read timeouts, refused or dropped connections
        elif isinstance(
            exc,
            boto.NoCredentialsError | boto.PartialCredentialsError | boto.CredentialRetrievalError,
        ):
            kind = "auth"
        elif isinstance(exc, boto.ParamValidationError):
            kind = "bad_request"
        else:
            kind = "unavailable"
        return ProviderError(
            f"{self.name} ({kind}): {type(exc).__name__}", kind=kind, provider=self.name
        )

    def _service_error(self, response: Mapping[str, Any]) -> ProviderError:
        """Bedrock answered with an error: its code says why, its status when the code is new."""
        error = response.get("Error", {})
        metadata = response.get("ResponseMetadata", {})
        code = str(error.get("Code", "Unknown"))
        status = metadata.get("HTTPStatusCode")
        status = status if isinstance(status, int) else None
        kind = _ERROR_KINDS.get(code) or (kind_for_status(status) if status else "unavailable")
        detail = " ".join(str(error.get("Message", "")).split()) or "no explanation"
        if len(detail) > EXCERPT_CHARS:
            detail = detail[:EXCERPT_CHARS] + "…"
        where = f"HTTP {status}, {code}" if status else code
        return ProviderError(
            f"{self.name}: {where} ({kind}): {detail}",
            kind=kind,
            provider=self.name,
            status=status,
            retry_after=_retry_after(metadata) if kind == "rate_limited" else None,
        )


def _retry_after(metadata: Mapping[str, Any]) -> float | None:
    # The HTTP providers' rule (seconds, milliseconds or a date); imported on this error
    # path only, as it brings httpx. botocore lower-cases the header names.
    from shared.llm.providers.http import retry_after

    return retry_after(metadata.get("HTTPHeaders", {}))


def _arguments(model: str, request: CompletionRequest) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    for message in request.messages:
        if message.role == "system":
            continue
        # Converse wants turns to alternate: consecutive ones of a role become one turn.
        if messages and messages[-1]["role"] == message.role:
            messages[-1]["content"].append({"text": message.content})
        else:
            messages.append({"role": message.role, "content": [{"text": message.content}]})
    arguments: dict[str, Any] = {
        "modelId": model,
        "messages": messages,
        "inferenceConfig": {"maxTokens": request.max_tokens, "temperature": request.temperature},
    }
    system = [{"text": m.content} for m in request.messages if m.role == "system"]
    if system:
        arguments["system"] = system
    return arguments
