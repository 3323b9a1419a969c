"""What `dev` generates for each target: complete, escaped, styled, and clean under every check."""

from __future__ import annotations

import ast
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from functions.pipeline.checks import run_qa, run_runtime, scan_security
from functions.pipeline.targets.styles import PALETTES
from tests.factories import (
    DESCRIPTION,
    FEATURES,
    NAME,
    TARGETS,
    generate,
    generated,
    make_spec,
)


@pytest.mark.parametrize("target", ["web", "flutter"])
def test_generated_code_passes_qa_runtime_and_security(target: str) -> None:
    # Given the generated tree
    files = generated(target)
    # Then no check finds anything, not even a warning
    assert run_qa(target, files) == []
    assert run_runtime(target, files) == []
    assert scan_security(files) == []


def test_generated_python_api_passes_its_own_tests_and_the_smoke_run() -> None:
    files = generated("python-api")
    # The generated tests really run (in a subprocess) and pass.
    assert run_qa("python-api", files, timeout_seconds=60) == []
    assert run_runtime("python-api", files, timeout_seconds=60) == []
    assert scan_security(files) == []


def test_a_failing_generated_test_is_reported_with_its_name() -> None:
    # Given a generated test whose assertion no longer holds
    files = generated("python-api")
    files["tests/test_notes.py"] = files["tests/test_notes.py"].replace(
        'assert created["title"] == "First entry"', 'assert created["title"] == "Other"'
    )
    # When qa runs the tests
    findings = run_qa("python-api", files)
    # Then exactly that test fails, located in its file
    assert [(f.check, f.path) for f in findings] == [("qa.tests", "tests/test_notes.py")]
    assert "test_create_returns_the_new_entry" in findings[0].message
    line = files["tests/test_notes.py"].splitlines()[findings[0].line - 1]
    assert '"Other"' in line


# --- web ------------------------------------------------------------------------------


def test_web_page_names_the_job_and_escapes_its_text() -> None:
    page = generated("web")["index.html"]
    assert f"<title>{html.escape(NAME)}</title>" in page
    assert f"<h1>{html.escape(NAME)}</h1>" in page
    assert html.escape(DESCRIPTION) in page
    assert "<script>alert" not in page  # only the escaped text is there
    assert page.count("<script") == 1
    assert '<script type="module" src="app.js">' in page


def test_web_has_a_nav_link_screen_and_test_per_feature() -> None:
    files = generated("web")
    for feature in FEATURES:
        assert f'<a href="#{feature}">' in files["index.html"]
        assert (
            f'<section id="{feature}" class="screen" data-screen="{feature}"' in files["index.html"]
        )
        assert f'id: "{feature}"' in files["lib.js"]
        assert f'test("{feature}: ' in files["tests/app.test.js"]
    assert "from '../lib.js'" in files["tests/app.test.js"]
    # Nothing typed by a person reaches a script.
    assert "textContent" in files["app.js"]
    assert "innerHTML" not in files["app.js"]
    assert NAME not in files["app.js"] + files["lib.js"]


def test_web_styles_carry_the_palette_as_variables() -> None:
    css = generated("web")["styles.css"]
    for role, colour in PALETTES["playful"].colours().items():
        assert f"--color-{role}: {colour};" in css


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_web_tests_pass_under_node(tmp_path: Path) -> None:
    # Given the generated site on disk
    for path, text in generated("web").items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    # When its own tests run under `node --test`
    result = subprocess.run(
        [shutil.which("node") or "node", "--test"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then one test per feature passes (plus the two shared ones)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"# pass {len(FEATURES) + 2}" in result.stdout


# --- python-api -----------------------------------------------------------------------


def test_python_api_has_a_router_and_tests_per_feature() -> None:
    files = generated("python-api")
    for feature in FEATURES:
        module = feature.replace("-", "_")
        router = files[f"app/features/{module}.py"]
        assert f'APIRouter(prefix="/api/{feature}"' in router
        assert (
            f"from app.features.{module} import router as {module}_router" in files["app/main.py"]
        )
        test = files[f"tests/test_{module}.py"]
        for name in ("create", "list", "get_returns", "unknown_entry_is_404", "delete"):
            assert re.search(rf"def test_\w*{name}", test)
    assert "tests/test_health.py" in files
    assert "fastapi==" in files["requirements.txt"]


def test_python_api_quotes_the_name_and_description_as_literals() -> None:
    main = generated("python-api")["app/main.py"]
    constants = {
        node.targets[0].id: node.value.value
        for node in ast.parse(main).body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }
    assert constants["APP_NAME"] == NAME
    assert constants["APP_DESCRIPTION"] == DESCRIPTION


# --- flutter --------------------------------------------------------------------------


def test_flutter_pubspec_is_valid_yaml_named_after_the_slug() -> None:
    pubspec = yaml.safe_load(generated("flutter")["pubspec.yaml"])
    assert pubspec["name"] == "notes_pro"
    assert pubspec["description"] == DESCRIPTION
    assert pubspec["environment"]["sdk"]
    assert pubspec["dependencies"]["flutter"] == {"sdk": "flutter"}
    assert "flutter_test" in pubspec["dev_dependencies"]


def test_flutter_has_a_screen_route_and_widget_test_per_feature() -> None:
    files = generated("flutter")
    main = files["lib/main.dart"]
    assert "runApp(const App())" in main
    for feature, cls in zip(FEATURES, ("Auth", "Notes", "UserProfile"), strict=True):
        snake = feature.replace("-", "_")
        screen = files[f"lib/screens/{snake}_screen.dart"]
        assert f"class {cls}Screen extends StatefulWidget" in screen
        assert f"static const String routeName = '/{feature}';" in screen
        assert f"import 'screens/{snake}_screen.dart';" in main
        assert f"{cls}Screen.routeName: (BuildContext context) => const {cls}Screen()," in main
        test = files[f"test/{snake}_screen_test.dart"]
        assert f"import 'package:notes_pro/screens/{snake}_screen.dart';" in test
        assert "testWidgets(" in test


def test_flutter_escapes_the_name_for_dart() -> None:
    navigation = generated("flutter")["lib/navigation.dart"]
    assert """const String appTitle = 'Notes "Pro"';""" in navigation
    # `$` would interpolate and `'` would end the string: both are escaped.
    files = generate(make_spec("flutter", name="It's ${cost} \\o/"))
    assert r"""const String appTitle = 'It\'s \${cost} \\o/';""" in files["lib/navigation.dart"]


def test_flutter_theme_carries_the_palette() -> None:
    theme = generated("flutter")["lib/theme.dart"]
    for colour in PALETTES["playful"].colours().values():
        assert f"Color(0xFF{colour.lstrip('#')})" in theme


# --- names that are not identifiers ---------------------------------------------------


@pytest.mark.parametrize("target", ["web", "flutter"])
def test_awkward_feature_names_still_make_a_clean_project(target: str) -> None:
    # Given features that are keywords, start with a digit, or collide after prefixing
    spec = make_spec(target, features="2fa, class, import, feature-2fa, health, app")
    files = generate(spec)
    # Then the project is still complete and clean
    assert run_qa(target, files) == []
    assert run_runtime(target, files) == []
    assert scan_security(files) == []


@pytest.mark.slow
def test_awkward_feature_names_make_a_working_python_api() -> None:
    spec = make_spec("python-api", features="2fa, class, import, feature-2fa, health, app")
    files = generate(spec)
    assert "app/features/feature_2fa.py" in files
    assert "app/features/feature_2fa_2.py" in files
    assert "app/features/feature_class.py" in files
    # A feature called "health" takes tests/test_health.py; the service check moves aside.
    assert "tests/test_app_health.py" in files
    assert run_qa("python-api", files) == []
    assert run_runtime("python-api", files) == []


@pytest.mark.parametrize("target", TARGETS)
def test_every_generated_text_ends_with_one_newline(target: str) -> None:
    for path, text in generated(target).items():
        assert text.endswith("\n"), path
        assert not text.endswith("\n\n"), path
        assert not re.search(r"[ \t]+$", text, flags=re.MULTILINE) or path.endswith(".md"), path


def test_package_json_makes_the_web_modules_importable_by_node() -> None:
    package = json.loads(generated("web")["package.json"])
    assert package["type"] == "module"
    assert package["scripts"]["test"] == "node --test"
