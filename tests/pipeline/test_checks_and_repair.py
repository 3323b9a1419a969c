"""Broken trees: the checks find what is wrong, with its path; repair makes them pass again."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from functions.pipeline.checks import Finding, run_qa, run_runtime, scan_security
from tests.factories import ask, generated, make_spec, repaired


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_finding_serializes_to_a_plain_dict() -> None:
    finding = Finding("qa.syntax", "error", "app/x.py", 3, "SyntaxError: invalid syntax")
    assert finding.to_dict() == {
        "check": "qa.syntax",
        "severity": "error",
        "path": "app/x.py",
        "line": 3,
        "message": "SyntaxError: invalid syntax",
    }


def test_an_unknown_target_is_a_finding() -> None:
    assert [f.check for f in run_qa("cobol", {})] == ["qa.target"]
    assert [f.check for f in run_runtime("cobol", {})] == ["qa.target"]


# --- python-api -----------------------------------------------------------------------


@pytest.mark.slow
def test_python_syntax_errors_are_found_and_repaired() -> None:
    # Given a generated module and a new one, both with a syntax error
    spec, files = make_spec("python-api"), generated("python-api")
    files["app/features/notes.py"] = files["app/features/notes.py"].replace(
        "async def list_notes() ->", "async def list_notes( ->"
    )
    files["app/extra.py"] = "def helper(:\n    return 1\n"
    # When qa runs
    findings = run_qa("python-api", files)
    # Then both are found with their path and line
    syntax = {(f.path, f.line) for f in findings if f.check == "qa.syntax"}
    notes_line = (
        files["app/features/notes.py"].splitlines().index("async def list_notes( -> NotesPage:")
    )
    assert syntax == {("app/features/notes.py", notes_line + 1), ("app/extra.py", 1)}
    # When repair answers and its answer is applied
    answer = ask("repair", spec, files=files, findings=tuple(f.to_dict() for f in findings)).text
    fixed = repaired(spec, files, findings)
    # Then the generated module is restored; the new one, which repair cannot fix, is left
    # as it was (never commented out) and named, so qa still fails on it
    assert fixed["app/features/notes.py"] == generated("python-api")["app/features/notes.py"]
    assert fixed["app/extra.py"] == "def helper(:\n    return 1\n"
    assert "`app/extra.py`: 1 finding(s) not fixed, left for a person" in answer
    assert [(f.check, f.path, f.line) for f in run_qa("python-api", fixed)] == [
        ("qa.syntax", "app/extra.py", 1)
    ]


def test_a_crashing_route_is_found_by_the_runtime_smoke_run_and_repaired() -> None:
    # Given a feature whose list route raises
    spec, files = make_spec("python-api"), generated("python-api")
    files["app/features/auth.py"] = files["app/features/auth.py"].replace(
        "    items = store.all()\n", "    items = store.all()\n    raise RuntimeError('boom')\n"
    )
    # When the runtime phase smoke-runs the app
    findings = run_runtime("python-api", files)
    # Then GET /api/auth is reported at the line that raised
    assert len(findings) == 1
    assert (findings[0].check, findings[0].path) == ("runtime.http", "app/features/auth.py")
    assert "GET /api/auth" in findings[0].message
    assert "RuntimeError: boom" in findings[0].message
    assert "raise RuntimeError" in files["app/features/auth.py"].splitlines()[findings[0].line - 1]
    # And repair restores the route
    assert run_runtime("python-api", repaired(spec, files, findings)) == []


def test_an_app_that_does_not_start_is_a_runtime_finding() -> None:
    files = generated("python-api")
    files["app/main.py"] += "\nraise SystemExit('refusing to start')\n"
    findings = run_runtime("python-api", files)
    assert [(f.check, f.path) for f in findings] == [("runtime.import", "app/main.py")]
    assert "refusing to start" in findings[0].message


def test_generated_code_runs_without_our_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given our process holds credentials and settings
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAPARENTPROCESSKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "parent-secret")
    monkeypatch.setenv("GITHUB_TOKEN", "parent-token")
    monkeypatch.setenv("APP_ENV", "test")
    # And a generated test that looks for them
    files = generated("python-api")
    files["tests/test_environment.py"] = (
        "import os\n\n\n"
        "def test_no_credentials_or_settings_leak() -> None:\n"
        "    leaked = [k for k in os.environ if k.startswith('AWS') or 'TOKEN' in k\n"
        "              or 'SECRET' in k or k == 'APP_ENV']\n"
        "    assert leaked == []\n\n\n"
        "def test_home_is_the_project() -> None:\n"
        "    assert os.environ['HOME'] == os.getcwd()\n"
    )
    # When qa runs the tests, they pass: the child saw none of it
    assert run_qa("python-api", files) == []


@pytest.mark.slow
def test_a_hanging_test_times_out_and_everything_it_started_is_killed(tmp_path: Path) -> None:
    # Given a generated test that starts a child process and then never returns
    pid_file = tmp_path / "child.pid"
    files = generated("python-api")
    files["tests/test_hang.py"] = (
        "import subprocess, sys, time\n\n\n"
        "def test_hang() -> None:\n"
        "    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"    open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "    time.sleep(120)\n"
    )
    # When qa runs with a short limit
    started = time.monotonic()
    # (generous enough for a slow start on a loaded machine)
    findings = run_qa("python-api", files, timeout_seconds=6)
    # Then it stops on time with a timeout finding that names the stuck test
    assert time.monotonic() - started < 20
    assert [(f.check, f.path) for f in findings] == [("qa.timeout", "tests/test_hang.py")]
    assert findings[0].line == 7  # time.sleep(120)
    # And the test's own child process is gone too (or a zombie waiting to be reaped)
    pid = int(pid_file.read_text())
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        state = next(line for line in status.read_text().splitlines() if line.startswith("State"))
        assert "Z" in state.split()[1]
    else:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_hanging_or_failing_test_is_never_switched_off_by_repair() -> None:
    # Given a new test that hangs and one that fails: nothing repair can fix by itself
    spec, files = make_spec("python-api"), generated("python-api")
    files["tests/test_hang.py"] = "import time\n\n\ndef test_hang():\n    time.sleep(120)\n"
    files["tests/test_wrong.py"] = "def test_wrong():\n    assert 1 == 2\n"
    findings = [
        Finding("qa.timeout", "error", "tests/test_hang.py", 5, "did not finish"),
        Finding("qa.tests", "error", "tests/test_wrong.py", 2, "test_wrong failed"),
    ]
    # When repair answers
    answer = ask("repair", spec, files=files, findings=tuple(f.to_dict() for f in findings)).text
    # Then it changes neither (no file is commented out or emptied) and says so
    assert repaired(spec, files, findings) == files
    assert "=== FILE" not in answer
    assert "`tests/test_hang.py`: 1 finding(s) not fixed, left for a person" in answer
    assert "`tests/test_wrong.py`: 1 finding(s) not fixed, left for a person" in answer


def test_a_project_with_no_tests_is_a_warning() -> None:
    files = {p: t for p, t in generated("python-api").items() if not p.startswith("tests/")}
    findings = run_qa("python-api", files)
    assert [(f.check, f.severity) for f in findings] == [("qa.tests", "warning")]


def test_unsafe_paths_are_never_written() -> None:
    files = generated("web")
    files["../escape.html"] = "<p>outside</p>"
    # The web checks are static; the sandbox refuses the path rather than writing it.
    from functions.pipeline.checks.sandbox import workspace

    with workspace(files) as ws:
        assert ws.skipped == ("../escape.html",)
        assert not (ws.root / "escape.html").exists()


# --- web ------------------------------------------------------------------------------


def test_web_missing_references_are_found_and_repaired() -> None:
    # Given the page loads a script that is not there, and a new page with a missing image
    spec, files = make_spec("web"), generated("web")
    files["index.html"] = files["index.html"].replace(
        '<link rel="stylesheet" href="styles.css">',
        '<link rel="stylesheet" href="styles.css">\n    <script src="vendor/missing.js"></script>',
    )
    files["about.html"] = (
        '<!doctype html>\n<html lang="en">\n<head><title>About</title></head>\n<body>\n'
        '<img src="img/team.png" alt="The team">\n<p>About us</p>\n</body>\n</html>\n'
    )
    # When qa runs
    findings = run_qa("web", files)
    # Then both references are reported where they are
    assert {(f.check, f.path, f.line) for f in findings} == {
        ("qa.reference", "index.html", 9),
        ("qa.reference", "about.html", 5),
    }
    # When repair's answer is applied, the page is restored and the dangling line removed
    fixed = repaired(spec, files, findings)
    assert fixed["index.html"] == generated("web")["index.html"]
    assert "img/team.png" not in fixed["about.html"]
    assert "About us" in fixed["about.html"]
    assert run_qa("web", fixed) == []


def test_web_unbalanced_tags_are_found() -> None:
    files = generated("web")
    files["index.html"] = files["index.html"].replace("</form>", "", 1)
    findings = run_qa("web", files)
    assert findings
    assert {(f.check, f.path) for f in findings} == {("qa.html", "index.html")}
    assert any("<form> is not closed" in f.message for f in findings)


def test_web_a_missing_module_import_is_found() -> None:
    files = generated("web")
    files["app.js"] = files["app.js"].replace("from './lib.js'", "from './library.js'")
    findings = run_qa("web", files)
    assert [(f.check, f.path, f.line) for f in findings] == [("qa.import", "app.js", 2)]


def test_web_a_nav_link_without_a_screen_is_a_runtime_finding_and_repaired() -> None:
    # Given the notes screen was removed from the page
    spec, files = make_spec("web"), generated("web")
    start = files["index.html"].index('      <section id="notes"')
    end = files["index.html"].index("</section>", start) + len("</section>\n")
    files["index.html"] = files["index.html"][:start] + files["index.html"][end:]
    # When the runtime phase checks the routing
    findings = run_runtime("web", files)
    # Then the link that leads nowhere is reported
    assert [(f.check, f.path) for f in findings] == [("runtime.nav", "index.html")]
    assert '"#notes"' in findings[0].message
    assert run_runtime("web", repaired(spec, files, findings)) == []


def test_web_a_screen_no_route_shows_is_a_runtime_finding() -> None:
    files = generated("web")
    files["lib.js"] = files["lib.js"].replace('{ id: "notes", ', '{ id: "memos", ')
    findings = run_runtime("web", files)
    assert [(f.check, f.path) for f in findings] == [("runtime.route", "index.html")]
    assert '"notes"' in findings[0].message


# --- flutter --------------------------------------------------------------------------


def test_flutter_missing_imports_are_found_and_repaired() -> None:
    # Given main.dart imports a file that is not there, and a new widget does too
    spec, files = make_spec("flutter"), generated("flutter")
    files["lib/main.dart"] = files["lib/main.dart"].replace(
        "import 'theme.dart';", "import 'theme.dart';\nimport 'widgets/banner.dart';"
    )
    files["lib/widgets/card.dart"] = (
        "import 'package:flutter/material.dart';\n"
        "import 'package:notes_pro/widgets/shadow.dart';\n"
        "\nclass Card2 extends StatelessWidget {\n  const Card2({super.key});\n"
        "  @override\n  Widget build(BuildContext context) => const SizedBox();\n}\n"
    )
    # When qa runs
    findings = run_qa("flutter", files)
    # Then each import is reported with its path and line
    assert {(f.check, f.path, f.line) for f in findings} == {
        ("qa.import", "lib/main.dart", 8),
        ("qa.import", "lib/widgets/card.dart", 2),
    }
    # And after repair qa is clean
    fixed = repaired(spec, files, findings)
    assert fixed["lib/main.dart"] == generated("flutter")["lib/main.dart"]
    assert "shadow.dart" not in fixed["lib/widgets/card.dart"]
    assert "class Card2" in fixed["lib/widgets/card.dart"]
    assert run_qa("flutter", fixed) == []


def test_flutter_an_undeclared_package_is_found() -> None:
    files = generated("flutter")
    files["lib/theme.dart"] = (
        "import 'package:google_fonts/google_fonts.dart';\n" + files["lib/theme.dart"]
    )
    findings = run_qa("flutter", files)
    assert [(f.check, f.path, f.line) for f in findings] == [("qa.import", "lib/theme.dart", 1)]
    assert "google_fonts" in findings[0].message


@pytest.mark.parametrize(
    ("pubspec", "expected"),
    [
        ("name: [unclosed\n", "does not parse"),
        ("name: Not A Name\nenvironment:\n  sdk: '>=3.3.0 <4.0.0'\n", "`name`"),
        ("name: ok\ndependencies:\n  flutter:\n    sdk: flutter\n", "`environment.sdk`"),
        ("name: ok\nenvironment:\n  sdk: '>=3.3.0 <4.0.0'\n", "`dependencies.flutter`"),
    ],
)
def test_flutter_a_broken_pubspec_is_found(pubspec: str, expected: str) -> None:
    files = generated("flutter")
    files["pubspec.yaml"] = pubspec
    messages = [f.message for f in run_qa("flutter", files) if f.path == "pubspec.yaml"]
    assert any(expected in message for message in messages), messages


def test_flutter_a_screen_without_a_route_is_a_runtime_finding_and_repaired() -> None:
    # Given main.dart lost the route to the notes screen
    spec, files = make_spec("flutter"), generated("flutter")
    files["lib/main.dart"] = files["lib/main.dart"].replace(
        "        NotesScreen.routeName: (BuildContext context) => const NotesScreen(),\n", ""
    )
    # When the runtime phase checks the app
    findings = run_runtime("flutter", files)
    # Then the unreachable screen is reported in its file
    assert [(f.check, f.path, f.line) for f in findings] == [
        ("runtime.route", "lib/screens/notes_screen.dart", 6)
    ]
    # And repair restores main.dart (the screen itself was fine)
    fixed = repaired(spec, files, findings)
    assert fixed["lib/main.dart"] == generated("flutter")["lib/main.dart"]
    assert run_runtime("flutter", fixed) == []


def test_flutter_no_run_app_is_a_runtime_finding() -> None:
    files = generated("flutter")
    files["lib/main.dart"] = files["lib/main.dart"].replace("runApp(const App());", "")
    findings = run_runtime("flutter", files)
    assert [(f.check, f.path) for f in findings] == [("runtime.entry", "lib/main.dart")]


# --- security -------------------------------------------------------------------------

# Built at run time so that no secret-shaped literal sits in our own repository.
AWS_KEY_ID = "AKIA" + "Q3EXAMPLEKEY7ZZZ".replace("EXAMPLE", "WXYQRST")
PRIVATE_KEY = "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIEow\n-----END RSA " + "PRIVATE KEY-----"


@pytest.mark.parametrize("target", ["python-api", "web", "flutter"])
def test_planted_secrets_and_eval_are_found_and_repaired(target: str) -> None:
    # Given secrets and dangerous calls in generated and in new files
    spec, files = make_spec(target), generated(target)
    web_app = generated("web")["app.js"].replace(
        "export function start() {",
        "export function start() {\n  eval(window.location.hash.slice(1));",
    )
    planted = {
        "python-api": {
            "app/settings.py": f'KEY_ID = "{AWS_KEY_ID}"\nDB_PASSWORD = "Tr0ub4dor&3x!"\n'
            "ok = True\n",
            "app/tools.py": "import os\n\n\ndef run(cmd):\n    return eval(cmd)\n\n\n"
            "def shell(cmd):\n    os.system(cmd)\n",
        },
        "web": {
            "app.js": web_app,
            "keys.pem": PRIVATE_KEY + "\n",
        },
        "flutter": {
            "lib/reflect.dart": "import 'dart:mirrors';\n\nvoid main() {}\n",
        },
    }[target]
    files.update(planted)
    # When the security phase scans the tree
    findings = scan_security(files)
    # Then each is reported with path and line
    expected = {
        "python-api": {
            ("security.secret", "app/settings.py", 1),
            ("security.secret", "app/settings.py", 2),
            ("security.dangerous-call", "app/tools.py", 5),
            ("security.dangerous-call", "app/tools.py", 9),
        },
        "web": {
            ("security.dangerous-call", "app.js", _line_of(web_app, "eval(")),
            ("security.secret", "keys.pem", 1),
        },
        "flutter": {("security.dangerous-call", "lib/reflect.dart", 1)},
    }[target]
    assert {(f.check, f.path, f.line) for f in findings} == expected
    # And after repair what it could remove is gone
    fixed = repaired(spec, files, findings)
    left = {(f.check, f.path, f.line) for f in scan_security(fixed)}
    if target == "web":
        assert left == set()
        assert fixed["app.js"] == generated("web")["app.js"]
        assert fixed["keys.pem"].strip() == ""
    if target == "flutter":
        assert left == set()
    if target == "python-api":
        assert fixed["app/settings.py"] == "ok = True\n"
        # Removing the calls would leave functions without a body: repair leaves the file
        # as it was for a person, rather than switching the code off.
        assert fixed["app/tools.py"] == files["app/tools.py"]
        assert left == {
            ("security.dangerous-call", "app/tools.py", 5),
            ("security.dangerous-call", "app/tools.py", 9),
        }


def test_repair_with_nothing_to_fix_says_so() -> None:
    spec, files = make_spec("web"), generated("web")
    fixed = repaired(spec, files, [])
    assert fixed == files


def test_a_conftest_that_cannot_import_is_named_and_repaired() -> None:
    # Given the store the test fixtures import has been deleted
    spec, files = make_spec("python-api"), generated("python-api")
    del files["app/store.py"]
    # When qa runs, the failure points at the conftest that could not load
    findings = run_qa("python-api", files)
    assert [(f.check, f.path) for f in findings] == [("qa.tests", "tests/conftest.py")]
    assert "app.store" in findings[0].message
    # And repair, finding the conftest as generated, restores what it depends on
    fixed = repaired(spec, files, findings)
    assert fixed["app/store.py"] == generated("python-api")["app/store.py"]
