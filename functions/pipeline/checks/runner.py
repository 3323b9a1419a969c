"""`run_qa` and `run_runtime`: one entry per phase, dispatching to the job's target's checks
(`functions/pipeline/targets/<target>/check.py`)."""

from __future__ import annotations

from collections.abc import Mapping

from functions.pipeline.checks.findings import Finding, error
from functions.pipeline.targets import TARGETS
from functions.pipeline.targets.flutter import check as flutter
from functions.pipeline.targets.python_api import check as python_api
from functions.pipeline.targets.web import check as web


def _unknown(target: str) -> list[Finding]:
    return [error("qa.target", f"unknown target {target!r}: expected one of {', '.join(TARGETS)}")]


def run_qa(target: str, files: Mapping[str, str], *, timeout_seconds: float = 60) -> list[Finding]:
    """Static checks of the tree, and for Python the generated tests (in a subprocess)."""
    if target == "python-api":
        return python_api.qa(files, timeout_seconds=timeout_seconds)
    if target == "web":
        return web.qa(files)
    if target == "flutter":
        return flutter.qa(files)
    return _unknown(target)


def run_runtime(
    target: str, files: Mapping[str, str], *, timeout_seconds: float = 60
) -> list[Finding]:
    """A smoke run of what can run inside Lambda; static wiring checks for the rest."""
    if target == "python-api":
        return python_api.smoke(files, timeout_seconds=timeout_seconds)
    if target == "web":
        return web.runtime(files)
    if target == "flutter":
        return flutter.runtime(files)
    return _unknown(target)
