"""What a function's asset holds: the modules its package can import and nothing else, and
enough of them that the handler imports from the asset alone."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from functions.health.openapi import build_openapi
from functions.registry import HEALTH, RouteGroup
from infra.packaging import (
    DYNAMIC_IMPORTS,
    REPO,
    DynamicImport,
    StagingError,
    imports_by_name,
    module_index,
    required_modules,
    stage_function,
)
from infra.specs import FunctionSpec
from tests.infra.assembly import FUNCTION_SPECS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]

# Runs in a fresh interpreter with -I -S: no PYTHONPATH, no current directory, no .pth
# files (the editable install's would put the repository back on the path). It imports
# the handler (and a group's app), then every module the asset holds, and reports any
# module of ours that came from anywhere but the asset.
_CHILD = """
import importlib, json, sys
staged, report, modules, extra = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4:]
sys.path[:] = [staged, *sys.path, *extra]
for name in modules:
    importlib.import_module(name)
result = {
    "path": sys.path,
    "outside": sorted(
        name for name, module in list(sys.modules.items())
        if name.split(".")[0] in ("shared", "functions")
        and not (getattr(module, "__file__", None) or "").startswith(staged + "/")
    ),
}
if "functions.health.openapi" in sys.modules:
    document = sys.modules["functions.health.openapi"].load_openapi()
    result["openapi_paths"] = sorted(document["paths"])
with open(report, "w") as handle:
    json.dump(result, handle)
"""


def staged_modules(root: Path) -> list[str]:
    """Every module in a staged tree, by dotted name, packages before their modules."""
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        names.append(
            ".".join(parts[:-1] if path.name == "__init__.py" else (*parts[:-1], path.stem))
        )
    return names


def import_in_fresh_interpreter(
    staged: Path, modules: list[str], tmp_path: Path
) -> dict[str, object]:
    report = tmp_path / "report.json"
    site_packages = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    env = {**os.environ, "APP_ENV": "test"}
    env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _CHILD, str(staged), str(report),
         json.dumps(modules), *site_packages],
        capture_output=True, text=True, check=False, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(report.read_text())
    return result


@pytest.mark.parametrize("spec", FUNCTION_SPECS, ids=lambda spec: spec.name)
def test_every_function_imports_its_handler_from_its_staged_code_alone(
    spec: FunctionSpec, tmp_path: Path
) -> None:
    staged = stage_function(spec, tmp_path / "staged").resolve()
    entry = [spec.handler.rsplit(".", 1)[0]]
    if isinstance(spec, RouteGroup):
        entry.append(spec.app_module)
    result = import_in_fresh_interpreter(staged, [*entry, *staged_modules(staged)], tmp_path)
    path = result["path"]
    assert isinstance(path, list)
    assert str(REPO) not in path
    assert "" not in path
    assert result["outside"] == []
    if spec.name == HEALTH.name:
        # The declared import by name (DYNAMIC_IMPORTS): deployed, health serves the
        # packaged document, with every group's paths, without their code.
        assert result["openapi_paths"] == sorted(build_openapi()["paths"])
        assert not (staged / "functions" / "jobs").exists()


def staged_files(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_a_function_ships_what_its_handler_imports_and_not_unrelated_areas(
    tmp_path: Path,
) -> None:
    hooks = next(spec for spec in FUNCTION_SPECS if spec.name == "hooks")
    shipped = staged_files(stage_function(hooks, tmp_path))
    assert {
        "functions/__init__.py",
        "functions/registry.py",
        "functions/hooks/handler.py",
        "functions/hooks/app.py",
        "shared/__init__.py",
        "shared/hooks/__init__.py",
        "shared/settings.py",
        "shared/db/tables.py",  # the registry's
    } <= shipped
    for unrelated in ("shared/costs/", "shared/llm/", "shared/agents/", "shared/webhooks/",
                      "shared/pipeline/", "functions/jobs/", "functions/webhooks/"):  # fmt: skip
        assert not any(name.startswith(unrelated) for name in shipped), unrelated

    health = staged_files(stage_function(HEALTH, tmp_path))
    assert not any(name.startswith(("shared/identity/", "shared/hooks/")) for name in health)


@pytest.mark.parametrize("spec", FUNCTION_SPECS, ids=lambda spec: spec.name)
def test_the_asset_holds_exactly_the_modules_found(spec: FunctionSpec, tmp_path: Path) -> None:
    shipped = {
        name for name in staged_files(stage_function(spec, tmp_path)) if name.endswith(".py")
    }
    index = module_index()
    expected = {index[name].relative_to(REPO).as_posix() for name in required_modules(spec.package)}
    assert shipped == expected


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


# Every way a module of ours gets imported, and modules nobody imports.
TREE = {
    "functions/__init__.py": "",
    "functions/registry.py": "from shared.db.tables import TABLES\n",
    "functions/fn/__init__.py": "",
    "functions/fn/handler.py": (
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "import shared.top\n"
        "from shared import pkg\n"  # a subpackage by `from package import name`
        "from shared.deep.mid import leaf\n"  # a submodule by `from package import name`
        "from . import helpers\n"
        "if TYPE_CHECKING:\n"
        "    from shared.typing_only import Thing\n"
        "def handler(event, context):\n"
        "    from shared.lazy import run\n"  # a function-local import
        "    return run()\n"
    ),
    "functions/fn/helpers.py": "from .. import registry\n",
    "functions/other/__init__.py": "",
    "functions/other/app.py": "",
    "shared/__init__.py": "",
    "shared/db/__init__.py": "",
    "shared/db/tables.py": "TABLES = ()\n",
    "shared/top.py": "import json\nfrom shared.constants import VALUE\n",
    "shared/constants.py": "VALUE = 1\n",
    "shared/pkg/__init__.py": "from .inner import name\n",
    "shared/pkg/inner.py": "from ..relative_target import name\n",
    "shared/pkg/untouched.py": "",
    "shared/relative_target.py": "name = 1\n",
    "shared/deep/__init__.py": "",
    "shared/deep/mid/__init__.py": "",
    "shared/deep/mid/leaf.py": "",
    "shared/deep/mid/unused.py": "",
    "shared/typing_only.py": "class Thing: ...\n",
    "shared/lazy.py": "def run(): return 1\n",
    "shared/unused.py": "import shared.top\n",
    "shared/tests/test_top.py": "import shared.unused\n",
}


def test_the_walk_follows_every_kind_of_import_and_only_those(tmp_path: Path) -> None:
    root = write_tree(tmp_path, TREE)
    assert set(required_modules("functions.fn", root)) == {
        "functions",
        "functions.registry",
        "functions.fn",
        "functions.fn.handler",
        "functions.fn.helpers",
        "shared",
        "shared.db",
        "shared.db.tables",
        "shared.top",
        "shared.constants",
        "shared.pkg",
        "shared.pkg.inner",
        "shared.relative_target",
        "shared.deep",
        "shared.deep.mid",
        "shared.deep.mid.leaf",
        "shared.typing_only",
        "shared.lazy",
    }


def test_an_import_of_ours_that_names_no_module_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {**TREE, "shared/lazy.py": "from shared.gone import run\n"})
    with pytest.raises(StagingError, match=r"shared/lazy\.py:1 imports shared\.gone"):
        required_modules("functions.fn", root)


def test_an_undeclared_import_by_name_is_refused(tmp_path: Path) -> None:
    dynamic = "import importlib\ndef run(name): return importlib.import_module(name)\n"
    root = write_tree(tmp_path, {**TREE, "shared/lazy.py": dynamic})
    with pytest.raises(StagingError, match=r"shared/lazy\.py imports a module by name"):
        required_modules("functions.fn", root)


def test_a_declared_import_by_name_stages_what_it_declares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamic = "def run(name): return __import__(name)\n"
    root = write_tree(tmp_path, {**TREE, "shared/lazy.py": dynamic})
    declared = DynamicImport(stages=("functions.other.app",), reason="-")
    monkeypatch.setitem(DYNAMIC_IMPORTS, "shared.lazy", declared)
    found = set(required_modules("functions.fn", root))
    assert {"functions.other", "functions.other.app"} <= found


def test_every_declared_import_by_name_is_still_one() -> None:
    """A stale declaration would let a new import by name in the same module pass unseen."""
    index = module_index()
    for name in DYNAMIC_IMPORTS:
        assert imports_by_name(ast.parse(index[name].read_bytes())), name
