"""The canonical source tree for a spec: what `dev` writes and what `repair` restores."""

from __future__ import annotations

from collections.abc import Callable

from shared.pipeline.spec import JobSpec

Renderer = Callable[..., dict[str, str]]


def _renderer(target: str) -> Renderer:
    # Imported on demand: only the job's own target's templates load.
    if target == "web":
        from functions.pipeline.targets.web import render as web

        return web.render
    if target == "python-api":
        from functions.pipeline.targets.python_api import render as python_api

        return python_api.render
    from functions.pipeline.targets.flutter import render as flutter

    return flutter.render


def risks(target: str) -> tuple[str, ...]:
    """The target's known risks: what its checks cannot prove, for the review to name."""
    if target == "web":
        from functions.pipeline.targets.web.risks import RISKS
    elif target == "python-api":
        from functions.pipeline.targets.python_api.risks import RISKS
    else:
        from functions.pipeline.targets.flutter.risks import RISKS
    return RISKS


def render_project(spec: JobSpec, *, feedback: str | None = None) -> dict[str, str]:
    """Every file of the spec's project; each text ends with exactly one newline."""
    files = _renderer(spec.target)(spec, feedback=feedback)
    return {path: text.rstrip("\n") + "\n" for path, text in sorted(files.items())}


def file_plan(spec: JobSpec) -> list[str]:
    """The paths `dev` will write, in order (the architect's plan is exactly this list)."""
    return sorted(render_project(spec))
