"""Route modules never touch storage: no PynamoDB model reaches a module that declares routes.

The chain is route -> service -> store -> domain object (docs/architecture.md, "A request's
path"). A route module that imports a PynamoDB model, or a module that defines one, has
stepped over the service; this test names the module and what it imported.

Route modules are found two ways, so neither a new group nor a new file escapes: every
registered group app's routes name their endpoint's module, and every `functions/*/app.py`
and `functions/*/*_routes.py` on disk is one. Each is checked twice: its globals (what it
holds once imported), and its source's import statements, function-local imports included
(a lazy import inside a route is still an import).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pynamodb.models import Model

from functions.registry import GROUPS

ROOT = Path(__file__).resolve().parents[2]


def _is_model(value: object) -> bool:
    return inspect.isclass(value) and issubclass(value, Model) and value is not Model


def _defines_models(module: ModuleType) -> bool:
    """Whether `module` defines a PynamoDB model class itself (a storage module)."""
    return any(
        _is_model(value) and getattr(value, "__module__", None) == module.__name__
        for value in vars(module).values()
    )


def _storage(value: object) -> bool:
    return _is_model(value) or (isinstance(value, ModuleType) and _defines_models(value))


def _imported(tree: ast.AST, package: str | None) -> Iterator[tuple[str, str | None]]:
    """(module, name) for every import in the source; name None for `import module`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = importlib.util.resolve_name("." * node.level + base, package or "")
            for alias in node.names:
                yield base, alias.name


def storage_imports(module: ModuleType) -> list[str]:
    """What `module` holds or imports that is a PynamoDB model or a module defining one."""
    found = {f"{name} (global)" for name, value in vars(module).items() if _storage(value)}
    source = inspect.getsource(module)
    for module_name, name in _imported(ast.parse(source), module.__package__):
        try:
            target = importlib.import_module(module_name)
        except ImportError:
            continue
        if name is None:
            if _defines_models(target):
                found.add(f"import {module_name}")
            continue
        value = getattr(target, name, None)
        if value is None:  # `from package import submodule` not yet an attribute
            try:
                value = importlib.import_module(f"{module_name}.{name}")
            except ImportError:
                continue
        if _storage(value):
            found.add(f"from {module_name} import {name}")
    return sorted(found)


def route_modules() -> list[str]:
    names: set[str] = set()
    for group in GROUPS:
        app = importlib.import_module(group.app_module).app
        for context in iter_route_contexts(app.routes):
            route = context.original_route
            if isinstance(route, APIRoute):
                names.add(route.endpoint.__module__)
    for path in [*ROOT.glob("functions/*/app.py"), *ROOT.glob("functions/*/*_routes.py")]:
        names.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return sorted(names)


ROUTE_MODULES = route_modules()


def test_the_walk_finds_the_route_modules() -> None:
    # Given the groups and the files on disk; then every group's app is among them, and
    # so are the auth group's route modules, which are not named app.py.
    for group in GROUPS:
        assert group.app_module in ROUTE_MODULES
    assert "functions.auth.account_routes" in ROUTE_MODULES


@pytest.mark.parametrize("module_name", ROUTE_MODULES)
def test_route_modules_import_no_pynamodb_model(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert storage_imports(module) == [], (
        f"{module_name} reaches storage directly; call the group's service, which calls a "
        "store that answers domain objects"
    )


# Planted violations: the check must fail on each way a model can be imported.
PLANTED = {
    "a model by name": """
        from fastapi import APIRouter
        from shared.identity.models import UserItem

        router = APIRouter()

        @router.get("/x")
        async def x() -> str:
            return UserItem.__name__
    """,
    "the models module": """
        from fastapi import APIRouter
        from shared.identity import models

        router = APIRouter()

        @router.get("/x")
        async def x() -> str:
            return models.__name__
    """,
    "a lazy import inside a route": """
        from fastapi import APIRouter

        router = APIRouter()

        @router.get("/x")
        async def x() -> str:
            from shared.jobs.models import JobItem

            return JobItem.__name__
    """,
    "a model under another name": """
        import shared.jobs.models as storage
        from fastapi import APIRouter

        router = APIRouter()

        @router.get("/x")
        async def x() -> str:
            return storage.__name__
    """,
}


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_a_planted_violation_is_found(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a route module that imports storage; then the check names what it imported.
    name = f"planted_routes_{abs(hash(case))}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(PLANTED[case]))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    try:
        assert storage_imports(module) != []
    finally:
        sys.modules.pop(name, None)


def test_a_clean_route_module_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a route module that reaches storage only through a store's domain objects.
    source = """
        from fastapi import APIRouter
        from shared.jobs import store
        from shared.jobs.domain import Job

        router = APIRouter()

        @router.get("/x")
        async def x() -> str:
            return Job.__name__ + store.__name__
    """
    (tmp_path / "planted_clean_routes.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("planted_clean_routes")
    try:
        assert storage_imports(module) == []
    finally:
        sys.modules.pop("planted_clean_routes", None)
