"""The README every target ships: what it is, how to run and test it, what changed."""

from __future__ import annotations

from functions.pipeline.targets.naming import Feature, one_line
from shared.pipeline.spec import JobSpec


def readme(
    spec: JobSpec,
    features: tuple[Feature, ...],
    *,
    run: list[str],
    test: list[str],
    layout: list[str],
    feedback: str | None = None,
) -> str:
    lines = [f"# {one_line(spec.name)}", ""]
    if spec.description.strip():
        lines += [spec.description.strip(), ""]
    lines += ["## Features", ""]
    lines += [f"- **{f.title}** (`{f.slug}`)" for f in features]
    lines += ["", "## Run", ""] + [f"- {step}" for step in run]
    lines += ["", "## Test", ""] + [f"- {step}" for step in test]
    lines += ["", "## Layout", ""] + [f"- {item}" for item in layout]
    lines += ["", f"Style: {spec.style}. Backend: {spec.backend}.", ""]
    if feedback and feedback.strip():
        # The reviewer's note that sent this phase back, quoted so it cannot restructure the page.
        quoted = "\n".join(f"> {line}".rstrip() for line in feedback.strip().splitlines())
        lines += ["## Revision notes", "", "This revision addresses:", "", quoted, ""]
    return "\n".join(lines)
