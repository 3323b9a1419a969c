"""Specs, the template generator (with the pipeline's renderer) and generated trees for the
pipeline tests."""

from __future__ import annotations

from functools import cache
from typing import Any

from functions.pipeline.targets.generator import render
from shared.llm.files import parse_files
from shared.llm.providers.templates import MODEL, TemplateProvider
from shared.llm.types import Completion, CompletionRequest, Message, PhaseTask
from shared.pipeline.spec import JobSpec

TARGETS = ("web", "python-api", "flutter")
# The platform that selects each target.
PLATFORM = {"web": "web", "python-api": "python-api", "flutter": "android"}

NAME = 'Notes "Pro"'
# Quotes, a script tag and interpolation syntax of every language we generate.
DESCRIPTION = "Keep \"quoted\" notes <script>alert('x')</script> for ${user} and $name, {{ok}}."
FEATURES = ("auth", "notes", "user-profile")


def make_spec(target: str = "web", **overrides: Any) -> JobSpec:
    fields: dict[str, Any] = {
        "name": NAME,
        "description": DESCRIPTION,
        "platforms": (PLATFORM[target],),
        "features": ", ".join(FEATURES),
        "style": "playful",
        "slug": "notes-pro",
    }
    fields.update(overrides)
    return JobSpec(**fields)


def ask(phase: str | None, spec: JobSpec | None = None, **task: Any) -> Completion:
    """What the template generator answers for `phase` (no phase: a plain chat)."""
    request = CompletionRequest(
        model=MODEL,
        messages=(Message("system", "You are a phase agent."), Message("user", f"Do {phase}.")),
        task=None if phase is None or spec is None else PhaseTask(phase, spec.model_dump(), **task),
    )
    return TemplateProvider(renderer=render).complete(request)


def generate(spec: JobSpec, **task: Any) -> dict[str, str]:
    return parse_files(ask("dev", spec, **task).text)


@cache
def _generated(target: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(generate(make_spec(target)).items()))


def generated(target: str) -> dict[str, str]:
    """The default spec's tree for `target` (generated once, a fresh dict each call)."""
    return dict(_generated(target))


def repaired(spec: JobSpec, files: dict[str, str], findings: list[Any]) -> dict[str, str]:
    """`files` with the repair phase's answer applied, as the pipeline applies it."""
    answer = ask("repair", spec, files=files, findings=tuple(f.to_dict() for f in findings))
    return {**files, **parse_files(answer.text)}
