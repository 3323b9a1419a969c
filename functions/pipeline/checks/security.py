"""The security scan: secrets, dangerous calls and plain-HTTP URLs, with path and line.

Python is read through its syntax tree (so a call named in a string or a comment is not
a call); JavaScript and Dart through line patterns, JavaScript in HTML only inside
`<script>` blocks (page text that mentions `eval(` is prose, not code).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping

from functions.pipeline.checks.findings import Finding, error, warning

_SECRETS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----"), "a private key"),
    (re.compile(r"\bsk-(?:[a-z]+-)?[A-Za-z0-9_-]{20,}"), "an API key (sk-...)"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"), "a GitHub token"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), "a Slack token"),
)
# `password = "..."`, `"apiKey": '...'`, `DB_SECRET: "..."`: a secret-named key given a literal.
_ASSIGNED = re.compile(
    r"""(?i)(?P<key>[\w-]*(?:password|passwd|secret|api[_-]?key|access[_-]?key|auth[_-]?token"""
    r"""|private[_-]?key|client[_-]?secret)[\w-]*)["']?\s*(?::|=|:=)\s*["'](?P<value>[^"'\s]+)["']"""
)
_PLACEHOLDERS = (
    "example",
    "changeme",
    "change-me",
    "your",
    "xxx",
    "placeholder",
    "dummy",
    "redacted",
    "<",
    "${",
    "{{",
    "***",
    "...",
    "todo",
    "test",
)
_HTTP = re.compile(r"\bhttp://(?P<host>[A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])")
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "[::1]")  # noqa: S104 - a name, not a bind
# Namespace identifiers, never fetched.
_NAMESPACE_HOSTS = ("www.w3.org", "schemas.android.com", "schemas.xmlsoap.org", "ns.adobe.com")

_JS_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\beval\s*\("), "eval() runs text as code"),
    (re.compile(r"\bnew\s+Function\s*\("), "new Function() runs text as code"),
    (re.compile(r"\bdocument\.write(?:ln)?\s*\("), "document.write() injects HTML"),
    (re.compile(r"\.insertAdjacentHTML\s*\("), "insertAdjacentHTML() injects HTML"),
)
_INNER_HTML = re.compile(r"\.(?:inner|outer)HTML\s*\+?=\s*(?P<value>.*?);?\s*$")
_LITERAL = re.compile(r"""^(?:'[^'\\$]*'|"[^"\\$]*"|`[^`$]*`)$""")
_SCRIPT_BLOCK = re.compile(r"<script\b[^>]*>(?P<body>.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_MIRRORS = re.compile(r"""^\s*import\s+['"]dart:mirrors['"]""")


def _real_looking(value: str) -> bool:
    """A literal that looks like an actual secret, not a placeholder or an env var name."""
    lowered = value.lower()
    if len(value) < 8 or any(marker in lowered for marker in _PLACEHOLDERS):
        return False
    if re.fullmatch(r"[A-Z0-9_]+", value) or lowered.startswith(("http", "/", "$")):
        return False  # an environment variable's name, a URL, a path
    kinds = sum(bool(re.search(p, value)) for p in ("[a-z]", "[A-Z]", "[0-9]", r"[^A-Za-z0-9]"))
    return kinds >= 2 and len(set(value)) > 3


def _secret_findings(path: str, lines: list[str]) -> Iterator[Finding]:
    for number, line in enumerate(lines, 1):
        for pattern, what in _SECRETS:
            if pattern.search(line):
                yield error("security.secret", f"{what} is committed in the code", path, number)
        for match in _ASSIGNED.finditer(line):
            if _real_looking(match["value"]):
                yield error(
                    "security.secret", f"`{match['key']}` is set to a literal secret", path, number
                )
        for match in _HTTP.finditer(line):
            host = match["host"].lower()
            if host in _LOCAL_HOSTS or host.startswith("127.") or host in _NAMESPACE_HOSTS:
                continue
            yield warning("security.insecure-url", f"plain HTTP to {host}: use https", path, number)


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _python_call_problem(call: ast.Call) -> str | None:
    name = _dotted(call.func)
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    if name in ("eval", "exec", "builtins.eval", "builtins.exec"):
        return f"{name}() runs text as code"
    if name in ("os.system", "os.popen"):
        return f"{name}() runs a shell command"
    if name in ("pickle.loads", "pickle.load", "marshal.loads", "dill.loads"):
        return f"{name}() can run code hidden in its input"
    if name in ("yaml.unsafe_load", "yaml.full_load"):
        return f"{name}() can build arbitrary objects: use yaml.safe_load"
    if name == "yaml.load":
        loader = keywords.get("Loader") or (call.args[1] if len(call.args) > 1 else None)
        if loader is None or "Safe" not in _dotted(loader):
            return "yaml.load() without SafeLoader can build arbitrary objects"
    shell = keywords.get("shell")
    if name.startswith("subprocess.") and isinstance(shell, ast.Constant) and shell.value:
        return f"{name}(shell=True) runs a shell command"
    return None


def _python_findings(path: str, text: str) -> Iterator[Finding]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return  # QA reports the syntax error; a file that does not parse cannot run either
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            problem = _python_call_problem(node)
            if problem:
                yield error("security.dangerous-call", problem, path, node.lineno)


def _js_findings(path: str, lines: list[str], first_line: int = 1) -> Iterator[Finding]:
    for number, line in enumerate(lines, first_line):
        code = line.strip()
        if code.startswith(("//", "*", "/*")):
            continue
        for pattern, problem in _JS_RULES:
            if pattern.search(code):
                yield error("security.dangerous-call", problem, path, number)
        match = _INNER_HTML.search(code)
        if match and not _LITERAL.match(match["value"].strip()):
            yield error(
                "security.dangerous-call", "innerHTML set from a non-literal value", path, number
            )


def _html_script_findings(path: str, text: str) -> Iterator[Finding]:
    for match in _SCRIPT_BLOCK.finditer(text):
        first_line = text.count("\n", 0, match.start("body")) + 1
        yield from _js_findings(path, match["body"].split("\n"), first_line)


def scan_file(path: str, text: str) -> list[Finding]:
    lines = text.split("\n")
    findings = list(_secret_findings(path, lines))
    if path.endswith(".py"):
        findings += _python_findings(path, text)
    elif path.endswith((".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx")):
        findings += _js_findings(path, lines)
    elif path.endswith((".html", ".htm")):
        findings += _html_script_findings(path, text)
    elif path.endswith(".dart"):
        findings += [
            error(
                "security.dangerous-call",
                "dart:mirrors allows reflection on any code",
                path,
                number,
            )
            for number, line in enumerate(lines, 1)
            if _MIRRORS.match(line)
        ]
    return findings


def scan_security(files: Mapping[str, str]) -> list[Finding]:
    """Every finding in the tree, ordered by path and line."""
    findings = [f for path in sorted(files) for f in scan_file(path, files[path])]
    return sorted(findings, key=lambda f: (f.path or "", f.line or 0, f.check, f.message))
