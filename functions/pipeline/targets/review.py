"""The `reviewer` phase: spec coverage, check results, the target's risks and a verdict."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from functions.pipeline.targets.naming import Feature, features_of, one_line
from functions.pipeline.targets.project import risks
from shared.pipeline.spec import JobSpec

_CHECKS = ("qa", "runtime", "security")


def _is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return path.startswith(("tests/", "test/")) or ".test." in name or name.startswith("test_")


def _mentions(path: str, feature: Feature) -> bool:
    name = path.rsplit("/", 1)[-1]
    return feature.snake in name or feature.slug in name


def _names(text: str, feature: Feature) -> bool:
    """Whether `text` names the feature as a whole quoted slug ("notes", not "notes-pro")."""
    return re.search(rf"""["'`#]{re.escape(feature.slug)}(?![a-z0-9-])""", text) is not None


def _coverage(
    features: tuple[Feature, ...], files: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """One table row per feature, and the features that lack code or a test."""
    rows, gaps = [], []
    sources = [p for p in sorted(files) if not _is_test(p) and not p.endswith(".md")]
    test_files = [p for p in sorted(files) if _is_test(p)]
    for feature in features:
        # A file named after the feature; failing that (one page, one test file for
        # all features), a file that names it.
        code = [p for p in sources if _mentions(p, feature)]
        code = code or [p for p in sources if _names(files[p], feature)]
        tests = [p for p in test_files if _mentions(p, feature)]
        tests = tests or [p for p in test_files if _names(files[p], feature)]
        if not code or not tests:
            gaps.append(feature.slug)
        listed = ", ".join(f"`{p}`" for p in code) or "**missing**"
        tested = ", ".join(f"`{p}`" for p in tests) or "**missing**"
        rows.append(f"| {feature.title} | {listed} | {tested} |")
    return rows, gaps


def review(
    spec: JobSpec,
    files: Mapping[str, str],
    documents: Mapping[str, str],
    findings: Iterable[Mapping[str, Any]],
) -> str:
    features = features_of(spec)
    found = list(findings)
    lines = [f"# Review: {one_line(spec.name)}", "", "## Spec coverage", ""]
    lines += ["| Feature | Implemented in | Tested in |", "| --- | --- | --- |"]
    rows, gaps = _coverage(features, files)
    lines += rows

    lines += ["", "## Checks", ""]
    errors = [f for f in found if f.get("severity") == "error"]
    warnings = [f for f in found if f.get("severity") != "error"]
    for check in _CHECKS:
        mine = [f for f in found if str(f.get("check", "")).split(".")[0] == check]
        report = documents.get(check, "").strip()
        status = "passed" if not mine else f"{len(mine)} finding(s)"
        summary = f" ({one_line(report.splitlines()[0], limit=120)})" if report else ""
        lines.append(f"- {check}: {status}{summary}")
    for finding in found[:20]:
        where = finding.get("path") or "project"
        if finding.get("line"):
            where = f"{where}:{finding['line']}"
        lines.append(
            f"  - {finding.get('severity', 'error')} `{where}`: "
            f"{one_line(str(finding.get('message', '')), limit=160)}"
        )

    lines += ["", "## Open risks", ""] + [f"- {risk}" for risk in risks(spec.target)]
    lines += [
        f"- Warning left open: {one_line(str(w.get('message', '')), limit=160)}"
        for w in warnings[:10]
    ]
    if gaps:
        lines.append(f"- Features without code or tests: {', '.join(gaps)}.")

    approved = not errors and not gaps and bool(files)
    lines += ["", "## Verdict", ""]
    if approved:
        lines.append("**Approve**: every feature is implemented and tested, and no check failed.")
    else:
        reasons = []
        if not files:
            reasons.append("there are no files")
        if errors:
            reasons.append(f"{len(errors)} check error(s)")
        if gaps:
            reasons.append(f"{len(gaps)} feature(s) not covered")
        lines.append(f"**Request changes**: {'; '.join(reasons)}.")
    return "\n".join(lines) + "\n"
