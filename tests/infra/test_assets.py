"""Function code packaging: only what a function imports, deterministic, no source writes."""

from __future__ import annotations

import hashlib
import json
import marshal
from pathlib import Path

import pytest

from functions.registry import HEALTH, PIPELINE_WORKER, WorkerFunction
from infra.packaging import OPENAPI_DOCUMENT, REPO, stage_function
from tests.infra.assembly import FUNCTION_SPECS, Synthesized

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]


def files(root: Path) -> dict[str, str]:
    """Relative path -> content hash of every file below root."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_staged_function_holds_what_it_imports_of_shared_the_registry_and_its_group(
    tmp_path: Path,
) -> None:
    staged = stage_function(HEALTH, tmp_path)
    names = set(files(staged))
    assert {"functions/__init__.py", "functions/registry.py"} <= names
    assert all(
        name.startswith(("shared/", f"functions/{HEALTH.name}/", "functions/__pycache__/"))
        or name in ("functions/__init__.py", "functions/registry.py")
        for name in names
    )
    # Of shared/, the modules health imports (tests/infra/test_staging.py: exactly those).
    assert {"shared/__init__.py", "shared/settings.py", "shared/db/tables.py"} <= names
    sources = {
        p.relative_to(REPO).as_posix()
        for p in (REPO / "shared").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert not sources <= names
    # Bytecode for exactly the shipped sources (Lambda cannot write it: /var/task is
    # read-only), compiled for the runtime's paths.
    compiled = {name for name in names if name.endswith(".pyc")}
    expected = {
        f"{name.rsplit('/', 1)[0]}/__pycache__/{name.rsplit('/', 1)[1][:-3]}.cpython-312.pyc"
        if "/" in name
        else f"__pycache__/{name[:-3]}.cpython-312.pyc"
        for name in names
        if name.endswith(".py")
    }
    assert compiled == expected
    code = marshal.loads(  # noqa: S302 - bytecode this test just built
        (staged / "shared" / "__pycache__" / "settings.cpython-312.pyc").read_bytes()[16:]
    )
    assert code.co_filename == "/var/task/shared/settings.py"
    assert not any("/tests/" in name or name.split("/")[-1].startswith("test_") for name in names)


def test_staging_is_deterministic(tmp_path: Path) -> None:
    first = files(stage_function(HEALTH, tmp_path / "a"))
    second = files(stage_function(HEALTH, tmp_path / "b"))
    assert first == second


def test_only_health_carries_the_openapi_document(dev: Synthesized) -> None:
    assert set(dev.stack.functions) == {spec.name for spec in FUNCTION_SPECS}
    for name, built in dev.stack.functions.items():
        asset = dev.asset_dir(dev.resource(built.function))
        assert (asset / OPENAPI_DOCUMENT).exists() == (name == HEALTH.name), name


def test_a_worker_is_staged_from_the_package_its_handler_names(tmp_path: Path) -> None:
    """The package folder comes from the handler, so a worker may share another's."""
    sharing = WorkerFunction(name="sharing", description="-", handler=PIPELINE_WORKER.handler)
    staged = stage_function(sharing, tmp_path)
    assert staged == tmp_path / "sharing"
    source = REPO / "functions" / "pipeline"
    shipped = set(files(staged / "functions" / "pipeline"))
    expected = {
        path.relative_to(source).as_posix()
        for path in source.rglob("*.py")
        if "__pycache__" not in path.parts and not path.name.startswith("test_")
    }
    assert expected <= shipped
    assert not (staged / "functions" / HEALTH.name).exists()


@pytest.mark.parametrize(
    "handler", ["shared.pipeline.worker.handler", "functions.pipeline.sub.handler.handler"]
)
def test_a_handler_outside_a_functions_package_is_refused(tmp_path: Path, handler: str) -> None:
    with pytest.raises(ValueError, match=r"functions\.<folder> package"):
        stage_function(WorkerFunction(name="odd", description="-", handler=handler), tmp_path)


def test_every_function_asset_holds_the_module_its_handler_names(
    synthesized: Synthesized,
) -> None:
    for name, built in synthesized.stack.functions.items():
        asset = synthesized.asset_dir(synthesized.resource(built.function))
        module = built.spec.handler.rsplit(".", 1)[0].replace(".", "/")
        assert (asset / f"{module}.py").exists(), name


def test_deployed_health_code_has_the_merged_openapi_document(synthesized: Synthesized) -> None:
    function = synthesized.resource(synthesized.stack.api.functions[HEALTH.name].function)
    asset = synthesized.asset_dir(function)
    document = json.loads((asset / OPENAPI_DOCUMENT).read_text())
    assert document["openapi"].startswith("3.")
    assert "/api/v1/health" in document["paths"]
    assert (asset / "functions" / "health" / "handler.py").exists()
    assert (asset / "shared" / "settings.py").exists()


def test_the_document_is_never_written_into_the_source_tree(dev: Synthesized) -> None:
    assert not (REPO / OPENAPI_DOCUMENT).exists()
