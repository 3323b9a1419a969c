"""The template generator: the built-in provider that answers from templates, not a model.

It is handed a renderer (a function from a phase's structured task to the answer's text);
the pipeline hands it the project templates (`functions/pipeline/targets/generator.py`),
which live with the pipeline, the only function that ships them. Any other caller (the
agents group's test call through the router) gets it without one: a plain message gets a
short reply that says what it is, and a phase task is refused as a bad request (there
are no project templates in that function).

It counts no tokens: nothing was tokenized, so its completions carry none (None), and the
ledger, the cost pages and the job's phases show them as not counted. It costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from shared.llm.types import Completion, CompletionRequest, PhaseTask, Pricing, ProviderError

KIND = "templates"
MODEL = "templates-1"
# Older names, accepted on input so stored agents and providers keep working.
KIND_ALIASES = ("offline",)
MODEL_ALIASES = ("offline-1",)

Renderer = Callable[[PhaseTask], str]


def canonical_kind(kind: str) -> str:
    """`kind`, with an older name of the template generator's kind replaced by today's."""
    return KIND if kind in KIND_ALIASES else kind


def is_builtin_name(name: str) -> bool:
    """Whether `name` names the built-in template generator (today's name or an older one)."""
    return name == KIND or name in KIND_ALIASES


def _reply(request: CompletionRequest) -> str:
    """A short answer to a plain chat (no task), e.g. for "test this agent"."""
    last = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    words = len(last.split())
    intro = f"Template generator ({MODEL}), not a language model"
    if not words:
        return f"{intro}: send a message and I will acknowledge it.\n"
    excerpt = " ".join(last.split()[:12]) + (" …" if words > 12 else "")
    return (
        f'{intro}: received your message of {words} word(s): "{excerpt}". I do not read or '
        "answer it; in a job I render the pipeline's project templates, with no network.\n"
    )


def _no_templates(task: PhaseTask) -> str:
    raise ProviderError(
        f"the template generator has no project templates here for phase {task.phase!r}: "
        "only the pipeline hands it its renderer",
        kind="bad_request",
    )


class TemplateProvider:
    """Answers with its renderer's text; counts no tokens and costs nothing."""

    kind = KIND
    model = MODEL
    default_model = MODEL

    def __init__(self, name: str = KIND, renderer: Renderer | None = None) -> None:
        self.name = name
        self.renderer = renderer

    def with_renderer(self, renderer: Renderer) -> TemplateProvider:
        return TemplateProvider(self.name, renderer)

    def complete(self, request: CompletionRequest) -> Completion:
        if request.task is None:
            text = _reply(request)
        else:
            text = (self.renderer or _no_templates)(request.task)
        return Completion(
            text=text,
            model=request.model or MODEL,
            provider=self.name,
            tokens_in=None,
            tokens_out=None,
        )

    def pricing(self, model: str) -> Pricing:
        return Pricing(input_per_million=0.0, output_per_million=0.0)

    def list_models(self) -> list[str]:
        return [MODEL]

    def check(self) -> int:
        return 1

    def close(self) -> None:
        """Nothing to release."""
