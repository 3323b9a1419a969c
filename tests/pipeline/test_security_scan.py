"""The security scan: what it flags, where, and what it leaves alone."""

from __future__ import annotations

import pytest

from functions.pipeline.checks import scan_security

# Secret-shaped values are assembled at run time: none sits in our repository as a literal.
AWS_KEY_ID = "AKIA" + "Z7Q3" * 4
SK_KEY = "sk-" + "proj-" + "aB3dE5gH7jK9mN1pQ3sT5vX7z" * 2
GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5" * 3 + "F6g7H8"


def _flagged(path: str, text: str) -> list[tuple[str, str, int | None]]:
    return [(f.check, f.severity, f.line) for f in scan_security({path: text})]


@pytest.mark.parametrize(
    ("path", "text", "line"),
    [
        ("config.py", f"import os\nKEY = '{AWS_KEY_ID}'\n", 2),
        ("server.js", f"const key = '{SK_KEY}';\n", 1),
        ("ci.yaml", f"\n\ntoken: {GITHUB_TOKEN}\n", 3),
        ("id_rsa", "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nb3Blbn\n", 1),
        ("settings.py", 'DB_PASSWORD = "Tr0ub4dor&3x!"\n', 1),
        ("config.json", '{\n  "apiKey": "q8Zr2Lm9Xw4Tn7Vb"\n}\n', 2),
        ("lib/env.dart", "const String clientSecret = 'e8Hq2Zp5Wm9Rt4Ks';\n", 1),
    ],
)
def test_secrets_are_errors_with_their_line(path: str, text: str, line: int) -> None:
    assert _flagged(path, text) == [("security.secret", "error", line)]


@pytest.mark.parametrize(
    "text",
    [
        'password = os.environ["DB_PASSWORD"]\n',
        'API_KEY = "YOUR_API_KEY"\n',
        'password = "changeme123"\n',
        'api_key = "<your key here>"\n',
        'secret = "${SECRET}"\n',
        'password = "short"\n',
        'token_url = "https://auth.example.org/token"\n',
        'label = "Password"\n',
    ],
)
def test_placeholders_and_references_are_not_secrets(text: str) -> None:
    assert _flagged("settings.py", text) == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("x = eval(user_input)\n", 1),
        ("import os\n\nos.system('rm -rf ' + path)\n", 3),
        ("import subprocess\nsubprocess.run(\n    cmd,\n    shell=True,\n)\n", 2),
        ("import pickle\nobj = pickle.loads(blob)\n", 2),
        ("import yaml\ndata = yaml.load(text)\n", 2),
        ("import yaml\ndata = yaml.load(text, Loader=yaml.Loader)\n", 2),
        ("exec(compile(src, 'x', 'exec'))\n", 1),
    ],
)
def test_dangerous_python_calls_are_found_in_the_syntax_tree(text: str, line: int) -> None:
    assert _flagged("app/x.py", text) == [("security.dangerous-call", "error", line)]


@pytest.mark.parametrize(
    "text",
    [
        'HELP = "never call eval( on input"\n',
        "# os.system('ls') would be wrong here\n",
        "import yaml\ndata = yaml.load(text, Loader=yaml.SafeLoader)\n",
        "import yaml\ndata = yaml.safe_load(text)\n",
        "import subprocess\nsubprocess.run(['ls', '-l'], check=True)\n",
        "code = compile(source, 'x.py', 'exec')\n",
    ],
)
def test_safe_python_is_left_alone(text: str) -> None:
    assert _flagged("app/x.py", text) == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("const x = 1;\nconst y = eval(input);\n", 2),
        ("const f = new Function('a', body);\n", 1),
        ("document.write(html);\n", 1),
        ("el.innerHTML = userText;\n", 1),
        ("el.innerHTML = `<b>${name}</b>`;\n", 1),
        ("el.insertAdjacentHTML('beforeend', html);\n", 1),
    ],
)
def test_dangerous_javascript_is_found(text: str, line: int) -> None:
    assert _flagged("app.js", text) == [("security.dangerous-call", "error", line)]


@pytest.mark.parametrize(
    "text",
    [
        "el.innerHTML = '';\n",
        'el.innerHTML = "<p>Static</p>";\n',
        "// eval(x) is never used here\n",
        "el.textContent = userText;\n",
    ],
)
def test_safe_javascript_is_left_alone(text: str) -> None:
    assert _flagged("app.js", text) == []


def test_html_is_scanned_only_inside_script_blocks() -> None:
    page = (
        "<!doctype html>\n<p>Never use eval( on input.</p>\n"
        "<script>\n  const a = 1;\n  eval(location.hash);\n</script>\n"
    )
    assert _flagged("index.html", page) == [("security.dangerous-call", "error", 5)]


def test_dart_mirrors_is_flagged() -> None:
    text = "import 'package:flutter/material.dart';\nimport 'dart:mirrors';\n"
    assert _flagged("lib/x.dart", text) == [("security.dangerous-call", "error", 2)]


def test_plain_http_to_a_remote_host_is_a_warning() -> None:
    text = (
        "const api = 'http://api.example.com/v1';\n"
        "const local = 'http://localhost:8000';\n"
        "const loop = 'http://127.0.0.1:3000';\n"
        "const ns = 'http://www.w3.org/2000/svg';\n"
        "const safe = 'https://api.example.com';\n"
    )
    findings = scan_security({"app.js": text})
    assert [(f.check, f.severity, f.line) for f in findings] == [
        ("security.insecure-url", "warning", 1)
    ]
    assert "api.example.com" in findings[0].message


def test_findings_are_ordered_by_path_and_line() -> None:
    findings = scan_security(
        {"b.py": "eval(x)\n", "a.js": "\n\neval(y);\n", "a.py": "x = 1\nexec(z)\n"}
    )
    assert [(f.path, f.line) for f in findings] == [("a.js", 3), ("a.py", 2), ("b.py", 1)]
