"""Function code and dependency-layer assets, without Docker.

Each function's asset (route group or worker alike) is a staged copy of exactly what it
imports: its own package folder, `functions/__init__.py` and the registry, and of `shared/`
and the other `functions/` packages only the modules those can import, found statically
(`required_modules`: every `import` anywhere in a module, transitively, with each package's
`__init__.py` on the way). The few imports by name are declared in `DYNAMIC_IMPORTS`, and
staging refuses a module that imports by name without a declaration. Staging is
deterministic (same sources, same files, same bytes), so the CDK asset hash, and with it the
deployed code, changes only when the code does. Third-party packages come from the
dependency layers that layers/build.py builds (`layer_zip(name)`; which ones a function
gets: `infra.specs.layers_for`).
"""

from __future__ import annotations

import ast
import compileall
import fnmatch
import importlib.util
import json
import os
import py_compile
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from functions.registry import HEALTH
from infra.specs import FunctionSpec

REPO = Path(__file__).resolve().parents[1]
BUILD_ROOT = REPO / ".build" / "functions"
# Where layers/build.py writes each layer: `<name>.zip`, unzipped in `<name>/python/`.
LAYER_BUILD_DIR = REPO / "layers" / "build"

# Never copied: stale byte code (compiled afresh below), tests, and local-only leftovers.
_IGNORED_NAMES = (
    "__pycache__", "*.pyc", "*.pyo", "tests", "test_*.py", "*_test.py", "conftest.py"
)  # fmt: skip
_IGNORED = shutil.ignore_patterns(*_IGNORED_NAMES)
# Our top-level packages: imports of anything else come from the layers or the runtime.
FIRST_PARTY = ("shared", "functions")
# What every function imports besides its own package: the registry (and so its package).
COMMON_ROOTS = ("functions", "functions.registry")
# Calls that import a module named by a string: invisible to the static walk.
_DYNAMIC_IMPORT_CALLS = frozenset(
    {"import_module", "__import__", "find_spec", "spec_from_file_location", "iter_modules",
     "walk_packages", "run_module", "run_path", "load_module"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DynamicImport:
    """A module of ours that imports by name: what it needs staged besides its static
    imports (`stages`: module names), and why that is all."""

    stages: tuple[str, ...]
    reason: str


# Every module in shared/ and functions/ that imports by name. Staging one not listed here
# fails (StagingError): decide what it needs, then declare it.
DYNAMIC_IMPORTS: dict[str, DynamicImport] = {
    "functions.health.openapi": DynamicImport(
        stages=(),
        reason="build_openapi imports every group's app by name, but only when the packaged "
        "document is absent; staging writes that document into health's asset, so the "
        "deployed function never builds it (the other groups are not shipped to it)",
    ),
    "functions.pipeline.checks.sandbox": DynamicImport(
        stages=(),
        reason="find_spec locates the generated project's test dependencies (pytest, "
        "fastapi, httpx) to put on the child's path: third-party, from the layers",
    ),
}
# Where the deployed health function looks for the merged OpenAPI document
# (functions.health.openapi.PACKAGED_DOCUMENT), relative to the code root.
OPENAPI_DOCUMENT = Path("functions") / "health" / "openapi.json"


class StagingError(RuntimeError):
    """The static import walk cannot vouch for a function's code: an import of ours that
    names no module, or an import by name that DYNAMIC_IMPORTS does not declare."""


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
    index = module_index()
    modules = required_modules(spec.package)
    target = out_root / spec.name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    # Its own package whole (any data files included), then every other module it imports.
    shutil.copytree(source, target / "functions" / source.name, ignore=_IGNORED)
    for name in modules:
        path = index[name]
        copied = target / path.relative_to(REPO)
        if copied.exists():
            continue
        copied.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copied)
        if path.name == "__init__.py":  # a package's data files go with it
            for data in sorted(path.parent.iterdir()):
                if data.is_file() and data.suffix != ".py" and not _ignored(data.name):
                    shutil.copyfile(data, copied.parent / data.name)
    # A stale document left in the source tree must never ship; health gets a fresh one.
    (target / OPENAPI_DOCUMENT).unlink(missing_ok=True)
    if spec.name == HEALTH.name:
        _write_openapi(target / OPENAPI_DOCUMENT)
    _compile_bytecode(target)
    return target


def _ignored(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in _IGNORED_NAMES)


def module_index(root: Path = REPO) -> dict[str, Path]:
    """Every module of ours below `root` that can ship, by dotted name (a package by its
    __init__.py)."""
    index: dict[str, Path] = {}
    for top in FIRST_PARTY:
        for path in sorted((root / top).rglob("*.py")):
            parts = path.relative_to(root).parts
            if any(_ignored(part) for part in parts):
                continue
            names = parts[:-1] if path.name == "__init__.py" else (*parts[:-1], path.stem)
            index[".".join(names)] = path
    return index


def required_modules(package: str, root: Path = REPO) -> tuple[str, ...]:
    """Every module of ours (sorted) that `package` (a `functions.<folder>`) can import: its
    own modules, the registry, and what any of them imports, transitively.

    Every `import` and `from ... import` in a module counts, wherever it is (a function's
    body, an `if TYPE_CHECKING:` block: those are a few small files, and leaving them out
    would need proving no annotation is ever resolved at run time), and so does each
    package's `__init__.py` on the way to a module, which Python runs first.
    """
    index = module_index(root)
    own = [name for name in index if name == package or name.startswith(package + ".")]
    if not own:
        raise StagingError(f"{package} has no modules")
    found: set[str] = set()
    pending = [*own, *COMMON_ROOTS]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        pending += _parents(name)
        pending += _imports(name, index, root)
    return tuple(sorted(found))


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def _imports(name: str, index: dict[str, Path], root: Path) -> list[str]:
    """The modules of ours that module `name` imports, statically or as DYNAMIC_IMPORTS
    declares; StagingError for an import of ours that names no module, or an undeclared
    import by name."""
    path = index[name]
    tree = ast.parse(path.read_bytes(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[str] = []

    def ours(module: str) -> bool:
        return module.split(".")[0] in FIRST_PARTY

    def require(module: str, node: ast.stmt) -> None:
        if module not in index:
            where = f"{path.relative_to(root)}:{node.lineno}"
            raise StagingError(f"{where} imports {module}, which is not a module of ours")
        found.append(module)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if ours(alias.name):
                    require(alias.name, node)
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            if not ours(base):
                continue
            require(base, node)
            for alias in node.names:
                if alias.name == "*":
                    raise StagingError(f"{path.relative_to(root)}: star import from {base}")
                # `from package import name` (`from . import name` too): a submodule when
                # one has that name, else a name the package defines.
                if f"{base}.{alias.name}" in index:
                    found.append(f"{base}.{alias.name}")
    if imports_by_name(tree):
        declared = DYNAMIC_IMPORTS.get(name)
        if declared is None:
            raise StagingError(
                f"{path.relative_to(root)} imports a module by name: declare what it needs "
                "in infra.packaging.DYNAMIC_IMPORTS (or make the import static)"
            )
        for module in declared.stages:
            if module not in index:
                raise StagingError(f"DYNAMIC_IMPORTS[{name!r}] stages {module}: no such module")
        found += declared.stages
    return found


def imports_by_name(tree: ast.AST) -> bool:
    """Whether the module calls something that imports a module named by a string."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            called = function.attr if isinstance(function, ast.Attribute) else None
            called = function.id if isinstance(function, ast.Name) else called
            if called in _DYNAMIC_IMPORT_CALLS:
                return True
    return False


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
