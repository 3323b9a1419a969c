"""The phases in order, as the pipeline runs them, with the template generator and the
real checks."""

from __future__ import annotations

import pytest

from functions.pipeline.checks import Finding, run_qa, run_runtime, scan_security
from shared.llm.files import parse_files
from tests.factories import ask, generated, make_spec

PLANNING = {"create": "brief", "ba": "requirements", "architect": "architecture", "uiux": "design"}


@pytest.mark.parametrize("target", ["web", "flutter", "python-api"])
def test_an_idea_becomes_a_reviewed_project(target: str) -> None:
    # Given a spec with a backend
    spec = make_spec(target, backend="rest")
    documents: dict[str, str] = {}
    # When every planning phase answers
    for phase, name in {**PLANNING, "backend": "backend"}.items():
        documents[name] = ask(phase, spec, documents=dict(documents)).text
    # And dev, then refactor, write the tree
    files = parse_files(ask("dev", spec, documents=documents).text)
    files |= parse_files(ask("refactor", spec, files=files).text)
    # And qa, runtime and security check it
    findings: list[Finding] = [
        *run_qa(target, files),
        *run_runtime(target, files),
        *scan_security(files),
    ]
    documents |= {"qa": "QA passed.", "runtime": "Smoke run passed.", "security": "Clean."}
    # Then nothing is found, and the reviewer approves with every feature covered
    assert findings == []
    review = ask("reviewer", spec, files=files, documents=documents, findings=tuple(findings)).text
    assert "**Approve**" in review
    coverage = review.split("## Spec coverage", 1)[1].split("## Checks", 1)[0]
    for title in ("Auth", "Notes", "User profile"):
        row = next(line for line in coverage.splitlines() if line.startswith(f"| {title} |"))
        assert "**missing**" not in row
    assert "- qa: passed (QA passed.)" in review


def test_the_reviewer_requests_changes_when_a_check_failed() -> None:
    spec, files = make_spec("web"), generated("web")
    finding = Finding("qa.reference", "error", "index.html", 9, "<script> points to a missing file")
    review = ask("reviewer", spec, files=files, findings=(finding.to_dict(),)).text
    assert "**Request changes**: 1 check error(s)." in review
    assert "`index.html:9`" in review
    assert "- qa: 1 finding(s)" in review


def test_the_reviewer_notices_a_feature_without_code_or_tests() -> None:
    spec = make_spec("python-api")
    files = {
        path: text for path, text in generated("python-api").items() if "user_profile" not in path
    }
    review = ask("reviewer", spec, files=files).text
    assert "| User profile | **missing** | **missing** |" in review
    assert "Features without code or tests: user-profile." in review
    assert "**Request changes**" in review
    assert all(f"| {t} | `" in review for t in ("Auth", "Notes"))
