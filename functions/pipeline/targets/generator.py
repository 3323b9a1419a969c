"""The pipeline's renderer: what the template generator answers for each phase's task.

It reads the structured `PhaseTask` the pipeline attaches to each request and answers in
the shape a model would (markdown, or file blocks), from the targets' templates. The same
task always gets byte-identical text: no clock, no randomness, no environment. The
template generator (`shared.llm.providers.templates`) is handed `render` by the pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.llm.types import PhaseTask, ProviderError

if TYPE_CHECKING:
    from shared.pipeline.spec import JobSpec

# Phases whose work is done by the pipeline's own checks, not by a generator.
_CHECK_PHASES = ("qa", "runtime", "security", "export")


def _spec(task: PhaseTask) -> JobSpec:
    from pydantic import ValidationError

    from shared.pipeline.spec import JobSpec

    try:
        return JobSpec.model_validate(task.spec)
    except ValidationError as exc:
        # A malformed spec will not get better on retry.
        raise ProviderError("the task's spec is not a valid job spec", kind="bad_request") from exc


def render(task: PhaseTask) -> str:
    """The text for `task`, from the templates."""
    # Imported here: the templates are only needed when a phase actually runs.
    from functions.pipeline.targets import documents, maintenance, review
    from functions.pipeline.targets.project import render_project
    from shared.llm.files import render_files

    if task.phase in _CHECK_PHASES:
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
        f"the template generator has no template for phase {task.phase!r}", kind="bad_request"
    )
