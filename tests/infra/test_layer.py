"""The dependency layer: built once from pyproject's pins, lean, and within Lambda's budget."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import pytest

from infra.packaging import (
    LAYER_ZIP,
    REPO,
    LayerNotBuiltError,
    dependency_layer_zip,
    tree_size,
)
from tests.infra.assembly import FUNCTION_SPECS, Synthesized

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]

MB = 1_000_000
# Lambda's limits for a function and its layers together.
UNZIPPED_BUDGET = 50 * MB
ZIPPED_BUDGET = 15 * MB


def load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layer_build", REPO / "layers" / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def build() -> ModuleType:
    return load_build_script()


def fake_pip(calls: list[Sequence[str]]) -> Callable[[Sequence[str], Path], None]:
    """Stands in for pip: installs a tiny site with what the real one leaves to strip."""

    def install(pins: Sequence[str], target: Path) -> None:
        calls.append(list(pins))
        written = {
            "fastapi/__init__.py": "VERSION = 1\n",
            "fastapi/__pycache__/__init__.cpython-312.pyc": "bytecode",
            "pydantic/tests/test_it.py": "def test(): ...\n",
            "pydantic_core/core.pyi": "def f() -> int: ...\n",
            "botocore/__init__.py": "",
            "botocore/data/x.json": "{}",
            "bin/fastapi": "#!/usr/bin/python\n",
        }
        for name, text in written.items():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_text(text)
        info = target / "botocore-1.0.0.dist-info"
        info.mkdir()
        record = ["botocore/__init__.py,,", "botocore/data/x.json,,", "../../bin/x,,"]
        (info / "RECORD").write_text("\n".join(record) + "\n")

    return install


def test_pins_come_from_pyproject(build: ModuleType) -> None:
    pins = build.runtime_pins()
    assert pins
    assert all("==" in pin for pin in pins)
    assert build._distribution_name("aws-lambda-powertools[tracer]==3.37.0") == (
        "aws_lambda_powertools"
    )
    assert build._distribution_name("python-dateutil==2.9") == "python_dateutil"


def test_build_installs_strips_and_zips_under_python(
    build: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Sequence[str]] = []
    monkeypatch.setattr(build, "_pip_install", fake_pip(calls))
    archive = build.build_layer(tmp_path)
    assert len(calls) == 1
    assert not any(pin.startswith("boto3") for pin in calls[0])
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
    # Sources and their bytecode (Lambda cannot write it: /opt is read-only).
    assert names == [
        "python/fastapi/__init__.py",
        "python/fastapi/__pycache__/__init__.cpython-312.pyc",
    ]
    stamp = json.loads((tmp_path / "fingerprint.json").read_text())
    assert stamp["zipped_bytes"] == archive.stat().st_size


def test_second_build_is_a_no_op(
    build: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Sequence[str]] = []
    monkeypatch.setattr(build, "_pip_install", fake_pip(calls))
    first = build.build_layer(tmp_path)
    digest = hashlib.sha256(first.read_bytes()).hexdigest()
    assert build.build_layer(tmp_path) == first
    assert len(calls) == 1
    # A forced rebuild of the same inputs gives the same bytes: a stable asset hash.
    build.build_layer(tmp_path, force=True)
    assert len(calls) == 2
    assert hashlib.sha256(first.read_bytes()).hexdigest() == digest


def test_a_changed_build_script_or_pin_list_rebuilds(build: ModuleType) -> None:
    pins = build.runtime_pins()
    excluded = build.RUNTIME_PROVIDED
    assert build.fingerprint(pins, excluded) == build.fingerprint(pins, excluded)
    assert build.fingerprint(pins, excluded) != build.fingerprint(pins[:-1], excluded)
    assert build.fingerprint(pins, excluded) != build.fingerprint(pins, set())


def test_synth_refuses_to_run_without_the_layer(tmp_path: Path) -> None:
    with pytest.raises(LayerNotBuiltError, match="make layer"):
        dependency_layer_zip(tmp_path / "dependencies.zip")


def test_layer_and_each_function_fit_lambdas_size_budget(tmp_path: Path, dev: Synthesized) -> None:
    build = load_build_script()
    with zipfile.ZipFile(dependency_layer_zip(LAYER_ZIP)) as zf:
        infos = zf.infolist()
    assert all(info.filename.startswith("python/") for info in infos)
    top_level = {info.filename.split("/")[1] for info in infos}
    assert not top_level & {"boto3", "botocore", "s3transfer"}
    layer_unzipped = sum(info.file_size for info in infos)
    layer_zipped = LAYER_ZIP.stat().st_size
    # Every function of the stack, route groups and workers, as the synth staged it.
    assert set(dev.stack.functions) == {spec.name for spec in FUNCTION_SPECS}
    for name, built in dev.stack.functions.items():
        staged = dev.asset_dir(dev.resource(built.function))
        function_zip = tmp_path / f"{name}.zip"
        build.write_zip(staged, function_zip)
        assert layer_unzipped + tree_size(staged) <= UNZIPPED_BUDGET
        assert layer_zipped + function_zip.stat().st_size <= ZIPPED_BUDGET
