"""The canonical source tree for a spec: what `dev` writes and what `repair` restores."""

from __future__ import annotations

from collections.abc import Callable

from shared.pipeline.spec import JobSpec

Renderer = Callable[..., dict[str, str]]


def _renderer(target: str) -> Renderer:
    # Imported on demand: `import shared.llm.offline` stays cheap.
    if target == "web":
        from shared.llm.offline import web

        return web.render
    if target == "python-api":
        from shared.llm.offline import python_api

        return python_api.render
    from shared.llm.offline import flutter

    return flutter.render


def render_project(spec: JobSpec, *, feedback: str | None = None) -> dict[str, str]:
    """Every file of the spec's project; each text ends with exactly one newline."""
    files = _renderer(spec.target)(spec, feedback=feedback)
    return {path: text.rstrip("\n") + "\n" for path, text in sorted(files.items())}


def file_plan(spec: JobSpec) -> list[str]:
    """The paths `dev` will write, in order (the architect's plan is exactly this list)."""
    return sorted(render_project(spec))
