"""Checks for the `python-api` target: syntax, the generated tests, and a smoke run.

Compiling is safe in-process (it never runs the code); anything that runs the code
(pytest, importing the app) happens in the sandbox's subprocess.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from collections.abc import Mapping

from functions.pipeline.checks.findings import Finding, error, warning
from functions.pipeline.checks.sandbox import RunResult, run, workspace

_SUMMARY = re.compile(r"^(FAILED|ERROR) (.+?)(?: - (.*))?$")
_TB_LINE = re.compile(r"^(?P<path>[^\s:][^:]*\.py):(?P<line>\d+): (?P<message>.*)$")
_SECTION = re.compile(r"^_{3,} (?P<title>.+?) _{3,}$")
_CONFTEST = re.compile(r"while loading conftest '(?P<path>[^']+)'")
_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)')
_MESSAGE_LIMIT = 300


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def check_syntax(files: Mapping[str, str]) -> list[Finding]:
    findings = []
    for path, text in sorted(files.items()):
        if not path.endswith(".py"):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. SyntaxWarning for odd escapes
                compile(text, path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            findings.append(error("qa.syntax", f"SyntaxError: {exc.msg}", path, exc.lineno))
        except ValueError:
            findings.append(error("qa.syntax", "the source contains null bytes", path))
    return findings


def _test_line(files: Mapping[str, str], path: str, name: str) -> int | None:
    """The line of `def <name>` in `path` (a failure with no traceback line of its own)."""
    function = name.split("::")[-1].split("[")[0]
    pattern = re.compile(rf"^\s*(?:async\s+)?def\s+{re.escape(function)}\s*\(")
    for number, line in enumerate(files.get(path, "").splitlines(), 1):
        if pattern.match(line):
            return number
    return None


def _error_messages(output: str) -> dict[str, str]:
    """Section title ("ERROR collecting tests/x.py") -> its last `E   ` line."""
    messages: dict[str, str] = {}
    title = None
    for line in output.splitlines():
        match = _SECTION.match(line)
        if match:
            title = match["title"]
        elif title and line.startswith("E   "):
            messages[title] = line[4:].strip()
    return messages


def _pytest_findings(result: RunResult, files: Mapping[str, str]) -> list[Finding]:
    lines = result.output.splitlines()
    summaries = [m for m in map(_SUMMARY.match, lines) if m]
    tb_lines = [m for m in map(_TB_LINE.match, lines) if m and m["path"] in files]
    failed = [m for m in summaries if m[1] == "FAILED"]
    # With --tb=line each failure prints one `path:line: message`, in summary order.
    locations = tb_lines if len(tb_lines) == len(failed) else []
    sections = _error_messages(result.output)
    findings = []
    for index, match in enumerate(failed):
        node, message = match[2], match[3] or "failed"
        path = node.split("::")[0]
        located = locations[index] if locations else None
        if located and located["path"] == path:
            line: int | None = int(located["line"])
        else:
            line = _test_line(files, path, node)
        findings.append(error("qa.tests", _short(f"{node} failed: {message}"), path, line))
    for match in summaries:
        if match[1] != "ERROR":
            continue
        node = match[2]
        path = node.split("::")[0]
        detail = match[3] or sections.get(f"ERROR collecting {node}") or "error"
        findings.append(
            error(
                "qa.tests",
                _short(f"{node} could not run: {detail}"),
                path if path in files else None,
            )
        )
    return findings


def _hang_location(output: str, files: Mapping[str, str]) -> tuple[str | None, int | None]:
    """Where the stack dump of the timeout caught the tests: the innermost project frame."""
    for line in output.splitlines():
        match = _FRAME.match(line)
        if match and match["path"] in files:
            return match["path"], int(match["line"])
    return None, None


def _tail(output: str, lines: int = 12) -> str:
    return _short(" | ".join(output.strip().splitlines()[-lines:]))


def run_tests(files: Mapping[str, str], *, timeout_seconds: float) -> list[Finding]:
    with workspace(files) as ws:
        args = [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-rfE", "--tb=line", "--color=no", "--continue-on-collection-errors",
        ]  # fmt: skip
        result = run(args, ws, timeout_seconds=timeout_seconds)
    if result.timed_out:
        path, line = _hang_location(result.output, files)
        where = f" (stuck in {path}:{line})" if path else ""
        message = f"the tests did not finish within {timeout_seconds:g} s{where}"
        return [error("qa.timeout", message, path, line)]
    if result.returncode == 0:
        return []
    if result.returncode == 5:
        return [warning("qa.tests", "no tests were collected")]
    findings = _pytest_findings(result, files)
    if not findings:
        # Typically a conftest that fails to import: name it when pytest does.
        conftest = _CONFTEST.search(result.output)
        path = conftest["path"] if conftest and conftest["path"] in files else None
        message = f"pytest exited with {result.returncode}: {_tail(result.output)}"
        findings.append(error("qa.tests", message, path))
    return findings


def qa(files: Mapping[str, str], *, timeout_seconds: float) -> list[Finding]:
    findings = check_syntax(files)
    if not any(path.endswith(".py") for path in files):
        return [*findings, error("qa.tests", "the project has no Python files")]
    return findings + run_tests(files, timeout_seconds=timeout_seconds)


# Runs in the child: imports the generated app and GETs every route without parameters
# (`/health`, each feature's list, the docs). Routes come from the OpenAPI document (public
# and stable, unlike router internals) plus the app's own top-level routes. A crash is
# located at its innermost frame inside the project. The report goes to a file, not
# stdout, which the app is free to write to.
_SMOKE = """
import json, os, sys, traceback

report_path, project = sys.argv[1], sys.argv[2]
report = {"error": None, "routes": []}


def where(exc):
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        source = os.path.realpath(frame.filename)
        if source.startswith(project + os.sep):
            return os.path.relpath(source, project).replace(os.sep, "/"), frame.lineno
    return None, None


try:
    from fastapi.testclient import TestClient
    import app.main as entry
    application = entry.app
    paths = {
        route.path for route in getattr(application, "routes", [])
        if "GET" in (getattr(route, "methods", None) or ()) and "{" not in route.path
    }
    try:
        schema = application.openapi()
        for path, operations in schema.get("paths", {}).items():
            if "get" in operations and "{" not in path:
                paths.add(path)
    except Exception:
        pass  # GET /openapi.json below reports it
    with TestClient(application) as client:
        for path in sorted(paths):
            item = {"path": path, "status": None, "error": None, "file": None, "line": None}
            try:
                item["status"] = client.get(path).status_code
            except Exception as exc:
                item["error"] = f"{type(exc).__name__}: {exc}"
                item["file"], item["line"] = where(exc)
            report["routes"].append(item)
except BaseException as exc:
    report["error"] = f"{type(exc).__name__}: {exc}"
    report["file"], report["line"] = where(exc)
with open(report_path, "w", encoding="utf-8") as handle:
    json.dump(report, handle)
"""


def _smoke_findings(report: dict[str, object]) -> list[Finding]:
    if report.get("error"):
        message = _short(f"the app did not start: {report['error']}")
        path, line = report.get("file"), report.get("line")
        if not isinstance(path, str):
            path, line = "app/main.py", None
        return [error("runtime.import", message, path, line if isinstance(line, int) else None)]
    routes = report.get("routes")
    assert isinstance(routes, list)
    findings = []
    if not any(isinstance(r, dict) and r.get("path") == "/health" for r in routes):
        findings.append(error("runtime.health", "there is no GET /health route", "app/main.py"))
    for route in routes:
        status = route.get("status")
        if isinstance(status, int) and 200 <= status < 300:
            continue
        answer = route.get("error") or f"status {status}"
        findings.append(
            error(
                "runtime.http",
                _short(f"GET {route.get('path')} answered {answer}"),
                route.get("file"),
                route.get("line"),
            )
        )
    return findings


def smoke(files: Mapping[str, str], *, timeout_seconds: float) -> list[Finding]:
    if "app/main.py" not in files:
        return [error("runtime.import", "there is no app/main.py to start")]
    with workspace(files) as ws:
        script, report_path = ws.root / "smoke.py", ws.root / "report.json"
        script.write_text(_SMOKE, encoding="utf-8")
        project = str(ws.project.resolve())
        result = run(
            [sys.executable, "-W", "ignore", str(script), str(report_path), project],
            ws,
            timeout_seconds=timeout_seconds,
        )
        raw = report_path.read_text(encoding="utf-8") if report_path.exists() else ""
    if result.timed_out:
        return [
            error("runtime.timeout", f"the smoke run did not finish within {timeout_seconds:g} s")
        ]
    try:
        report = json.loads(raw)
    except json.JSONDecodeError:
        tail = _tail(result.output) or "no output"
        message = f"the smoke run exited with {result.returncode} before reporting: {tail}"
        return [error("runtime.import", _short(message))]
    return _smoke_findings(report)
