"""The provider interface. Every LLM call of the factory goes through ``Provider.complete``.

A real provider (OpenAI-compatible, Anthropic, Bedrock) reads only ``messages``. The
pipeline also attaches the structured ``task`` it built those messages from, so the
built-in template generator (``shared.llm.providers.templates``) can answer
deterministically without a model; its answer has the same shape a model's has (text, file
blocks per ``shared.llm.files``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class PhaseTask:
    """What the pipeline asks of one phase's agent, in structured form."""

    phase: str
    spec: dict[str, Any]  # JobSpec.model_dump()
    # Documents earlier phases produced, by name ("requirements", "architecture", ...).
    documents: dict[str, str] = field(default_factory=dict)
    # The generated source tree so far: relative path -> text.
    files: dict[str, str] = field(default_factory=dict)
    # What qa, runtime or security found, for repair to fix.
    findings: tuple[dict[str, Any], ...] = ()
    # A reviewer's note when an approval sent the phase back.
    feedback: str | None = None


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    model: str
    messages: tuple[Message, ...]
    max_tokens: int = 8192
    temperature: float = 0.2
    task: PhaseTask | None = None


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    model: str
    provider: str
    # What the model counted; None when nothing was tokenized (the template generator).
    tokens_in: int | None
    tokens_out: int | None
    finish_reason: str = "stop"


@dataclass(frozen=True, slots=True)
class Pricing:
    """US dollars per million tokens."""

    input_per_million: float = 0.0
    output_per_million: float = 0.0

    def cost(self, tokens_in: int | None, tokens_out: int | None) -> float:
        """Tokens not counted (None) cost nothing."""
        spent = (tokens_in or 0) * self.input_per_million + (
            tokens_out or 0
        ) * self.output_per_million
        return spent / 1e6


ErrorKind = Literal["rate_limited", "unavailable", "timeout", "auth", "bad_request", "malformed"]

# Failures another attempt (later, or at another provider) may get past; the rest recur.
TRANSIENT_KINDS: frozenset[ErrorKind] = frozenset(
    {"rate_limited", "unavailable", "timeout", "malformed"}
)


class ProviderError(Exception):
    """A provider failed to answer; `transient` ones are worth retrying or falling back on.

    Real providers also say why (`kind`), which provider failed, the HTTP status when there
    was one, how many seconds the provider asked callers to wait (`retry_after`) and, when
    it explained itself, the start of its own words (`detail`, cleared of the key).
    `transient` may be left out when `kind` is given: it follows from the kind.
    """

    def __init__(
        self,
        message: str,
        *,
        transient: bool | None = None,
        kind: ErrorKind | None = None,
        provider: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        detail: str | None = None,
    ) -> None:
        if transient is None:
            if kind is None:
                raise TypeError("ProviderError needs `transient` or `kind`")
            transient = kind in TRANSIENT_KINDS
        super().__init__(message)
        self.transient = transient
        self.kind = kind
        self.provider = provider
        self.status = status
        self.retry_after = retry_after
        self.detail = detail


class Provider(Protocol):
    name: str
    kind: str

    def complete(self, request: CompletionRequest) -> Completion: ...

    def pricing(self, model: str) -> Pricing: ...
