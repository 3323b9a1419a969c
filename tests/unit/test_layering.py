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


# Storage stays in stores. Within functions/ and shared/, only these reach PynamoDB (import
# `pynamodb`, a module that defines items, or an item class): shared/db (the helpers), the
# modules that define the items (`models.py`, `*_models.py`), and the stores, which answer
# domain objects: a module named `store.py` or `*_store.py`, a module of a `store/`
# package, or one of STORES. Read from the source, function-local and TYPE_CHECKING
# imports included, so nothing is imported to check it.

STORES = {
    "shared.jobs.approvals": "the approvals' store, named for what it holds",
    "shared.jobs.counters": "the KPI counters' store: the counts' writes, added to the "
    "transactions of the jobs' and projects' writes",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = {
    _module_name(path): path
    for top in ("functions", "shared")
    for path in sorted((ROOT / top).rglob("*.py"))
}


def _package_of(name: str) -> str:
    return name if SOURCES[name].name == "__init__.py" else name.rpartition(".")[0]


def _item_classes() -> dict[str, set[str]]:
    """The PynamoDB item classes each module defines: a class whose base is `Model` or
    another item class (by name, to a fixed point)."""
    classes = [
        (name, node.name, {ast.unparse(base).rpartition(".")[2] for base in node.bases})
        for name, path in SOURCES.items()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
    ]
    items: set[str] = {"Model"}
    while True:
        found = {cls for _, cls, bases in classes if bases & items} - items
        if not found:
            break
        items |= found
    defined: dict[str, set[str]] = {}
    for name, cls, bases in classes:
        if bases & items:
            defined.setdefault(name, set()).add(cls)
    return defined


ITEM_CLASSES = _item_classes()


def storage_reach(name: str, source: str, package: str) -> list[str]:
    """What the module `name` imports (or defines) that is PynamoDB or an item."""
    found: set[str] = {f"defines {cls}" for cls in ITEM_CLASSES.get(name, ())}
    for module, imported in _imported(ast.parse(source), package):
        target = module if imported is None else f"{module}.{imported}"
        if module == "pynamodb" or module.startswith("pynamodb."):
            found.add(f"imports {module}")
        elif _holds_items(target) or imported in ITEM_CLASSES.get(module, ()):
            found.add(f"imports {target}")
    return sorted(found)


def _holds_items(module: str) -> bool:
    """A module of items (`models.py`, `*_models.py`). A store that defines its own items
    is imported for its functions, as any store is."""
    last = module.rpartition(".")[2]
    return module in ITEM_CLASSES and (last == "models" or last.endswith("_models"))


def may_touch_storage(name: str) -> bool:
    last = name.rpartition(".")[2]
    return (
        name.startswith("shared.db.")
        or last in ("models", "store")
        or last.endswith(("_models", "_store"))
        or ".store." in f"{name}."
        or name in STORES
    )


def test_only_stores_reach_storage() -> None:
    # Given every module of functions/ and shared/; then each that reaches PynamoDB is a
    # store, a module of items or shared/db: no exceptions.
    reaching = {
        name: reach
        for name, path in SOURCES.items()
        if (reach := storage_reach(name, path.read_text(), _package_of(name)))
    }
    outside = {name: reach for name, reach in reaching.items() if not may_touch_storage(name)}
    assert outside == {}, (
        "these modules reach storage outside a store: move the reads and writes to the "
        "area's store, which answers domain objects (docs/architecture.md, 'A request's path')"
    )


def test_the_identity_stores_are_where_identity_is_stored() -> None:
    # Given the auth services and the kernel's credential and audit modules; then none of
    # them reaches storage: the identity stores do it for them.
    for name in [
        *(n for n in SOURCES if n.startswith("functions.auth.")),
        "shared.auth.credentials",
        "shared.audit",
        "shared.identity.domain",
    ]:
        assert storage_reach(name, SOURCES[name].read_text(), _package_of(name)) == [], name
    assert may_touch_storage("shared.identity.store.users")


STORAGE_PLANTED = {
    "pynamodb itself": "from pynamodb.transactions import TransactWrite\n",
    "an item class": "from shared.identity.models import UserItem\n",
    "a module of items": "from shared.identity import models\n",
    "a lazy import": "def f():\n    from shared.jobs.models import JobItem\n    return JobItem\n",
    "under TYPE_CHECKING": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from shared.jobs.models import JobItem\n"
    ),
}


@pytest.mark.parametrize("case", sorted(STORAGE_PLANTED))
def test_a_service_reaching_storage_is_found(case: str) -> None:
    # Given a service module that reaches storage; then the check names it.
    assert storage_reach("functions.planted.service", STORAGE_PLANTED[case], "functions.planted")
    assert not may_touch_storage("functions.planted.service")


def test_a_service_using_a_store_passes() -> None:
    # Given a service that calls a store and reads a models module's helper, not an item.
    source = (
        "from shared.identity.store import users\n"
        "from shared.identity.domain import User\n"
        "from shared.identity.models import user_key\n"
    )
    assert storage_reach("functions.planted.service", source, "functions.planted") == []
