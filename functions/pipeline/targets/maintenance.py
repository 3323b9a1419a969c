"""The `refactor` and `repair` phases: deterministic edits to an existing tree.

Both answer with a short markdown summary followed by file blocks of only the files
they change, the shape a model would use. Repair restores generated files and removes
the lines it understands; it never switches code off, so what it cannot fix stays a
finding and qa fails the job with it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from typing import Any

from functions.pipeline.targets.naming import one_line
from functions.pipeline.targets.project import render_project
from shared.llm.files import render_files
from shared.pipeline.spec import JobSpec


def _answer(title: str, notes: list[str], changes: dict[str, str]) -> str:
    lines = [f"# {title}", ""]
    lines += [f"- {note}" for note in notes] or ["- Nothing to change."]
    text = "\n".join(lines) + "\n"
    return text + ("\n" + render_files(changes) if changes else "")


# --- refactor -------------------------------------------------------------------------


def _same_python(before: str, after: str) -> bool:
    """Whether two Python sources parse to the same tree (parsing never runs the code)."""
    try:
        return ast.dump(ast.parse(before)) == ast.dump(ast.parse(after))
    except (SyntaxError, ValueError):
        return False


def _strip_lines(text: str, *, expand_tabs: bool) -> str:
    lines = []
    for line in text.split("\n"):
        line = line.rstrip()
        if expand_tabs:
            indent = len(line) - len(line.lstrip("\t"))
            line = "    " * indent + line[indent:]
        lines.append(line)
    return "\n".join(lines)


def _with_final_newline(text: str) -> str:
    return text.rstrip("\n") + "\n" if text.strip() else text


def tidy(path: str, text: str) -> str:
    """`text` with trailing whitespace stripped, one final newline, Python tabs expanded.

    A Python edit is kept only if the code still parses to the same tree: whitespace
    inside a string literal is meaning, not style. Markdown keeps its line-end spaces
    (two of them are a line break).
    """
    text = text.replace("\r\n", "\n")
    if path.endswith(".md"):
        return _with_final_newline(text)
    if not path.endswith(".py"):
        return _with_final_newline(_strip_lines(text, expand_tabs=False))
    for expand_tabs in (True, False):
        candidate = _with_final_newline(_strip_lines(text, expand_tabs=expand_tabs))
        if _same_python(text, candidate):
            return candidate
    return _with_final_newline(text)


def refactor(files: Mapping[str, str]) -> str:
    changes = {path: tidy(path, text) for path, text in sorted(files.items())}
    changes = {path: text for path, text in changes.items() if text != files[path]}
    notes = [f"`{path}`: whitespace tidied" for path in changes]
    if changes:
        notes.append("Behaviour is unchanged: Python files still parse to the same code.")
    return _answer("Refactor", notes, changes)


# --- repair ---------------------------------------------------------------------------

# Findings whose line can simply go: a dangling reference or import, a planted secret.
_LINE_CHECKS = ("qa.reference", "qa.import", "security.")


def _drop_lines(text: str, findings: Iterable[Mapping[str, Any]]) -> str:
    lines = text.split("\n")
    doomed: set[int] = set()
    for finding in findings:
        line = finding.get("line")
        if not isinstance(line, int) or not 1 <= line <= len(lines):
            continue
        doomed.add(line - 1)
        if "PRIVATE KEY" in lines[line - 1]:
            # The whole key block goes, not only its first line.
            end = line - 1
            while end < len(lines) - 1 and "END" not in lines[end]:
                end += 1
                doomed.add(end)
    return "\n".join(line for index, line in enumerate(lines) if index not in doomed)


def _compiles(path: str, text: str) -> bool:
    try:
        compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _understood(finding: Mapping[str, Any]) -> bool:
    return str(finding.get("check", "")).startswith(_LINE_CHECKS)


def _fix(path: str, text: str, findings: list[Mapping[str, Any]]) -> str | None:
    """The file without the lines repair understands (a dangling reference or import, a
    planted secret), or None when it has none to remove or removing them would break
    Python that parsed. Anything else (a syntax error, a failing or hanging test) is left
    for a person: switching code off would let the job pass without the code.
    """
    understood = [finding for finding in findings if _understood(finding)]
    if not understood:
        return None
    fixed = _drop_lines(text, understood)
    if path.endswith(".py") and _compiles(path, text) and not _compiles(path, fixed):
        return None
    return fixed if fixed != text else None


def _note(path: str, items: list[Mapping[str, Any]], fixed: bool) -> str:
    left = [finding for finding in items if not (fixed and _understood(finding))]
    if not left:
        return f"`{path}`: removed the flagged lines ({len(items)} finding(s))"
    done = "removed the lines it could; " if fixed else ""
    first = one_line(str(left[0].get("message", "")), limit=160)
    return f"`{path}`: {done}{len(left)} finding(s) not fixed, left for a person; first: {first}"


def repair(spec: JobSpec, files: Mapping[str, str], findings: Iterable[Mapping[str, Any]]) -> str:
    canonical = render_project(spec)
    by_path: dict[str | None, list[Mapping[str, Any]]] = {}
    for finding in findings:
        path = finding.get("path")
        by_path.setdefault(path if isinstance(path, str) else None, []).append(finding)

    changes: dict[str, str] = {}
    notes: list[str] = []
    restore_all = None in by_path
    for path, items in sorted(by_path.items(), key=lambda item: item[0] or ""):
        if path is None:
            continue
        if path in canonical:
            if files.get(path) != canonical[path]:
                changes[path] = canonical[path]
                notes.append(f"`{path}`: restored the generated version ({len(items)} finding(s))")
            else:
                # The file is as generated, so the fault is in a file it depends on.
                restore_all = True
        elif path in files:
            fixed = _fix(path, files[path], items)
            if fixed is not None:
                changes[path] = fixed
            notes.append(_note(path, items, fixed is not None))
    if restore_all:
        for path, text in canonical.items():
            if path not in changes and files.get(path) != text:
                changes[path] = text
                notes.append(f"`{path}`: restored the generated version")
    return _answer("Repair", notes, changes)
