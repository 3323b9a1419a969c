"""Checks for the `web` target: page structure, local references, and routing.

Everything here is static: pages are parsed with `html.parser`, scripts are read as
text; nothing of the generated site runs.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from urllib.parse import unquote

from functions.pipeline.checks.findings import Finding, error

# Tags whose end tag HTML requires: an unclosed one swallows what follows.
_BALANCED_TAGS = (
    "a article aside button div footer form h1 h2 h3 h4 h5 h6 header label main nav ol "
    "script section select style table textarea title ul"
)
_BALANCED = frozenset(_BALANCED_TAGS.split())
# Attributes that load a file, by tag.
_REFERENCES = {
    "script": "src", "img": "src", "iframe": "src", "audio": "src", "video": "src",
    "source": "src", "track": "src", "embed": "src", "link": "href", "a": "href",
}  # fmt: skip
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_JS_IMPORT = re.compile(
    r"""(?:\bimport|\bexport)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]"""
    r"""|\bimport\s*\(?\s*['"]([^'"]+)['"]"""
)
# Comments are matched too (and then ignored), so a quoted word in a comment is no route.
_JS_STRING = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?\*/)"""
    r"""|'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`([^`$]*)`""",
    re.DOTALL,
)


class Page(HTMLParser):
    """What the checks need from one HTML page, gathered in a single parse."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[tuple[int, str]] = []
        self.references: list[tuple[int, str, str]] = []  # line, tag, value
        self.ids: dict[str, int] = {}
        self.screens: dict[str, int] = {}  # `data-screen` value -> line
        self.nav_links: list[tuple[int, str]] = []  # line, href
        self.scripts: list[str] = []  # local `<script src>`
        self._open: list[tuple[str, int]] = []
        self._nav_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = {name: value or "" for name, value in attrs}
        if tag in _BALANCED:
            self._open.append((tag, line))
        if tag == "nav":
            self._nav_depth += 1
        if "id" in values:
            if values["id"] in self.ids:
                self.problems.append((line, f'the id "{values["id"]}" is used twice'))
            self.ids.setdefault(values["id"], line)
        if "data-screen" in values:
            self.screens.setdefault(values["data-screen"], line)
        attribute = _REFERENCES.get(tag)
        value = values.get(attribute or "", "").strip()
        if attribute and value:
            self.references.append((line, tag, value))
            if tag == "script" and _is_local(value):
                self.scripts.append(value)
        if tag == "a" and self._nav_depth and value.startswith("#"):
            self.nav_links.append((line, value))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # `<div/>` opens a div in HTML (the slash is ignored), so it stays open here too.
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        line = self.getpos()[0]
        if tag == "nav" and self._nav_depth:
            self._nav_depth -= 1
        if tag not in _BALANCED:
            return
        if not any(open_tag == tag for open_tag, _ in self._open):
            self.problems.append((line, f"</{tag}> closes nothing"))
            return
        while self._open:
            open_tag, opened = self._open.pop()
            if open_tag == tag:
                return
            self.problems.append((opened, f"<{open_tag}> is not closed before </{tag}>"))

    def finish(self) -> Page:
        self.close()
        for tag, line in self._open:
            self.problems.append((line, f"<{tag}> is never closed"))
        self._open.clear()
        return self


def parse_page(text: str) -> Page:
    page = Page()
    page.feed(text)
    return page.finish()


def _is_local(value: str) -> bool:
    return not (value.startswith(("#", "//")) or _SCHEME.match(value) or "{" in value)


def _resolve(base_file: str, reference: str) -> str | None:
    """The tree path `reference` (relative to `base_file`) points at; None if outside."""
    target = unquote(reference.split("#", 1)[0].split("?", 1)[0])
    if target.startswith("/"):
        joined = target.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(base_file), target)
    normalized = posixpath.normpath(joined) if joined else "."
    if normalized == ".." or normalized.startswith("../"):
        return None
    return normalized


def _exists(path: str, files: Mapping[str, str]) -> bool:
    if path in files:
        return True
    # A directory reference ("about/", ".") is served by its index page.
    return posixpath.normpath(posixpath.join(path, "index.html")) in files


def _reference_findings(path: str, page: Page, files: Mapping[str, str]) -> Iterable[Finding]:
    for line, tag, value in page.references:
        if not _is_local(value):
            continue
        target = _resolve(path, value)
        if target is None:
            yield error(
                "qa.reference", f'<{tag}> points outside the project: "{value}"', path, line
            )
        elif not _exists(target, files):
            yield error("qa.reference", f'<{tag}> points to a missing file: "{value}"', path, line)


def _import_findings(path: str, text: str, files: Mapping[str, str]) -> Iterable[Finding]:
    for number, line in enumerate(text.splitlines(), 1):
        for match in _JS_IMPORT.finditer(line):
            specifier = match[1] or match[2]
            if not specifier.startswith(("./", "../", "/")):
                continue  # a bare package name or URL: not a file of ours
            target = _resolve(path, specifier)
            if target is None or target not in files:
                yield error("qa.import", f'import of a missing module: "{specifier}"', path, number)


def qa(files: Mapping[str, str]) -> list[Finding]:
    pages = sorted(p for p in files if p.endswith((".html", ".htm")))
    if not pages:
        return [error("qa.html", "the project has no HTML page")]
    findings: list[Finding] = []
    if "index.html" not in files:
        findings.append(error("qa.html", "there is no index.html to serve"))
    for path in pages:
        page = parse_page(files[path])
        findings += [error("qa.html", message, path, line) for line, message in page.problems]
        findings += _reference_findings(path, page, files)
    for path in sorted(p for p in files if p.endswith((".js", ".mjs"))):
        findings += _import_findings(path, files[path], files)
    return findings


def _script_sources(entry_points: Iterable[str], files: Mapping[str, str]) -> dict[str, str]:
    """The entry scripts and every local module they import, transitively."""
    seen: dict[str, str] = {}
    pending = [p for p in entry_points if p in files]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen[path] = files[path]
        for match in _JS_IMPORT.finditer(files[path]):
            specifier = match[1] or match[2]
            target = _resolve(path, specifier) if specifier.startswith((".", "/")) else None
            if target is not None and target in files:
                pending.append(target)
    return seen


def runtime(files: Mapping[str, str]) -> list[Finding]:
    if "index.html" not in files:
        return [error("runtime.page", "there is no index.html to serve")]
    page = parse_page(files["index.html"])
    findings: list[Finding] = []
    screens = dict(page.screens)
    for line, href in page.nav_links:
        target = href.lstrip("#").lstrip("/")
        if not target:
            continue
        if target not in page.ids and target not in page.screens:
            findings.append(
                error("runtime.nav", f'the link "{href}" has no screen to show', "index.html", line)
            )
        else:
            screens.setdefault(target, page.ids.get(target, line))
    entries = [_resolve("index.html", src) for src in page.scripts]
    sources = _script_sources([e for e in entries if e], files)
    if not sources:
        if "app.js" in files:
            findings.append(
                error("runtime.script", "index.html does not load app.js", "index.html")
            )
        return findings
    strings: set[str] = set()
    for text in sources.values():
        for match in _JS_STRING.finditer(text):
            if match["comment"] is None:
                strings.add(next(g for g in match.groups()[1:] if g is not None))
    for screen, line in sorted(screens.items()):
        if not {screen, f"#{screen}", f"#/{screen}"} & strings:
            findings.append(
                error(
                    "runtime.route",
                    f'no script route shows the screen "{screen}"',
                    "index.html",
                    line,
                )
            )
    return findings
