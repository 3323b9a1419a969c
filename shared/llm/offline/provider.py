"""The built-in offline provider: deterministic, template-driven answers with no network.

It reads the structured `PhaseTask` the pipeline attaches to each request and answers
what a good model would, in the same shape (markdown, or file blocks). The same request
always gets byte-identical text: no clock, no randomness, no environment.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from shared.llm.types import Completion, CompletionRequest, PhaseTask, Pricing, ProviderError

if TYPE_CHECKING:
    from shared.pipeline.spec import JobSpec

MODEL = "offline-1"

# Phases whose work is done by the pipeline's own checks, not by a model.
_NO_MODEL_PHASES = ("qa", "runtime", "security", "export")


def _tokens(text_length: int) -> int:
    return math.ceil(text_length / 4)


def _reply(request: CompletionRequest) -> str:
    """A short answer to a plain chat (no task), e.g. for "test this agent"."""
    last = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    words = len(last.split())
    if not words:
        return "Offline provider here: send a message and I will acknowledge it.\n"
    excerpt = " ".join(last.split()[:12]) + (" …" if words > 12 else "")
    return (
        f"Offline provider ({MODEL}) received your message of {words} word(s): "
        f'"{excerpt}". I answer deterministically and make no network calls.\n'
    )


def _spec(task: PhaseTask) -> JobSpec:
    from pydantic import ValidationError

    from shared.pipeline.spec import JobSpec

    try:
        return JobSpec.model_validate(task.spec)
    except ValidationError as exc:
        # A malformed spec will not get better on retry.
        raise ProviderError("the task's spec is not a valid job spec", kind="bad_request") from exc


def answer(task: PhaseTask) -> str:
    """The text a model would return for `task`."""
    # Imported here: the templates are only needed when a phase actually runs.
    from shared.llm.files import render_files
    from shared.llm.offline import documents, maintenance, review
    from shared.llm.offline.project import render_project

    if task.phase in _NO_MODEL_PHASES:
        return f"Acknowledged: the {task.phase} phase runs the pipeline's own checks.\n"
    spec = _spec(task)
    match task.phase:
        case "create":
            return documents.brief(spec)
        case "ba":
            return documents.requirements(spec)
        case "backend":
            return documents.backend_design(spec)
        case "architect":
            return documents.architecture(spec)
        case "uiux":
            return documents.design(spec)
        case "dev":
            return render_files(render_project(spec, feedback=task.feedback))
        case "refactor":
            return maintenance.refactor(task.files)
        case "repair":
            return maintenance.repair(spec, task.files, task.findings)
        case "reviewer":
            return review.review(spec, task.files, task.documents, task.findings)
    raise ProviderError(
        f"the offline provider has no answer for phase {task.phase!r}", kind="bad_request"
    )


class OfflineProvider:
    """Answers every phase from templates; costs nothing."""

    name = "offline"
    kind = "offline"
    model = MODEL

    def complete(self, request: CompletionRequest) -> Completion:
        text = _reply(request) if request.task is None else answer(request.task)
        chars_in = sum(len(message.content) for message in request.messages)
        return Completion(
            text=text,
            model=request.model or MODEL,
            provider=self.name,
            tokens_in=_tokens(chars_in),
            tokens_out=_tokens(len(text)),
        )

    def pricing(self, model: str) -> Pricing:
        return Pricing(input_per_million=0.0, output_per_million=0.0)
