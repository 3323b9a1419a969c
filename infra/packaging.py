"""Function code and dependency-layer assets, without Docker.

Each function's asset (route group or worker alike) is a staged copy of exactly what it
imports: the shared kernel, the registry and its own package folder. Staging is
deterministic (same sources, same files, same bytes), so the CDK asset hash, and with it the
deployed code, changes only when the code does. Third-party packages come from the
dependency layers that layers/build.py builds (`layer_zip(name)`; which ones a function
gets: `infra.specs.layers_for`).
"""

from __future__ import annotations

import compileall
import json
import os
import py_compile
import shutil
import sys
from pathlib import Path

from functions.registry import HEALTH
from infra.specs import FunctionSpec

REPO = Path(__file__).resolve().parents[1]
BUILD_ROOT = REPO / ".build" / "functions"
# Where layers/build.py writes each layer: `<name>.zip`, unzipped in `<name>/python/`.
LAYER_BUILD_DIR = REPO / "layers" / "build"

# Never copied: stale byte code (compiled afresh below), tests, and local-only leftovers.
_IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.pyo", "tests", "test_*.py", "*_test.py", "conftest.py"
)
# Files of the functions package that every function imports.
_FUNCTIONS_FILES = ("__init__.py", "registry.py")
# Where the deployed health function looks for the merged OpenAPI document
# (functions.health.openapi.PACKAGED_DOCUMENT), relative to the code root.
OPENAPI_DOCUMENT = Path("functions") / "health" / "openapi.json"


class LayerNotBuiltError(FileNotFoundError):
    """A dependency layer zip is missing: synth never builds it, `make layer` does."""


def layer_zip(name: str, build_dir: Path = LAYER_BUILD_DIR) -> Path:
    """The zip of dependency layer `name` (`core`, `tokens`, `checks`), as built."""
    path = build_dir / f"{name}.zip"
    if not path.is_file():
        raise LayerNotBuiltError(
            f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path} is missing: "
            "run `make layer` (python layers/build.py) once before synth; "
            "synth never downloads or builds dependencies."
        )
    return path


def package_dir(spec: FunctionSpec) -> Path:
    """The source folder of `spec`'s package: `functions/<folder>/`, where its handler lives.

    Taken from the handler (`functions.<folder>.handler.handler`), not the name: that is
    what the function imports, and a worker may share another's package."""
    parts = spec.package.split(".")
    if len(parts) != 2 or parts[0] != "functions":
        raise ValueError(
            f"{spec.name}: handler {spec.handler!r} must live in a functions.<folder> package"
        )
    return REPO.joinpath(*parts)


def build_root() -> Path:
    """Where functions are staged: `FACTORY_BUILD_ROOT`, else `.build/functions`. Parallel
    synths (test workers) each set their own, so none deletes what another is reading; the
    asset hash depends on content, not on this path."""
    configured = os.environ.get("FACTORY_BUILD_ROOT")
    return Path(configured) if configured else BUILD_ROOT


def stage_function(spec: FunctionSpec, out_root: Path | None = None) -> Path:
    """Copy what `spec`'s function needs into `out_root/<name>/` and return that folder."""
    out_root = out_root or build_root()
    source = package_dir(spec)
    if not source.is_dir():
        raise FileNotFoundError(f"{spec.name}: {source.relative_to(REPO)} does not exist")
    target = out_root / spec.name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copytree(REPO / "shared", target / "shared", ignore=_IGNORED)
    (target / "functions").mkdir()
    for name in _FUNCTIONS_FILES:
        shutil.copyfile(REPO / "functions" / name, target / "functions" / name)
    shutil.copytree(source, target / "functions" / source.name, ignore=_IGNORED)
    # A stale document left in the source tree must never ship; health gets a fresh one.
    (target / OPENAPI_DOCUMENT).unlink(missing_ok=True)
    if spec.name == HEALTH.name:
        _write_openapi(target / OPENAPI_DOCUMENT)
    _compile_bytecode(target)
    return target


def _compile_bytecode(root: Path) -> None:
    """/var/task is read-only in Lambda: without shipped bytecode every cold start compiles
    the code again. unchecked-hash pycs carry no time stamp, so staging stays reproducible."""
    if sys.version_info[:2] != (3, 12):
        raise RuntimeError("function bytecode must come from CPython 3.12, Lambda's runtime")
    if not compileall.compile_dir(
        root,
        ddir="/var/task",  # the code root in Lambda: tracebacks name the real paths, and
        quiet=2,  # the bytes do not depend on where the build ran
        workers=0,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    ):
        raise RuntimeError(f"compiling {root} failed")


def _write_openapi(path: Path) -> None:
    """The merged document of every group: the deployed health function cannot import the
    other groups' code, so it serves this file (see functions/health/openapi.py)."""
    from functions.health.openapi import build_openapi

    document = build_openapi()
    path.write_text(json.dumps(document, indent=None, separators=(",", ":")) + "\n")


def tree_size(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())
