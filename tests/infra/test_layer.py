"""The dependency layers: built once from pyproject's pins, split so that each function
carries only what it imports, no distribution twice, and every function within Lambda's
size budget together with its layers."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import pytest

from functions.registry import (
    AGENTS,
    APPROVALS,
    AUTH,
    COSTS,
    HEALTH,
    JOBS,
    KEY_ROTATION,
    PIPELINE_WORKER,
    PROVIDERS,
    RECONCILER,
    SETTINGS,
)
from infra.packaging import LAYER_BUILD_DIR, REPO, LayerNotBuiltError, layer_zip, tree_size
from infra.specs import layers_for
from tests.infra.assembly import FUNCTION_SPECS, Synthesized

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]

MB = 1_000_000
# Our budget for a function and its layers together, for its cold start (Lambda's own
# limits are far above: 250 MB unzipped, 50 MB zipped for a direct upload).
UNZIPPED_BUDGET = 50 * MB
ZIPPED_BUDGET = 15 * MB
# The one function allowed past it, and why: `import mcp` (2.x) imports the SDK's server
# side too (uvicorn, starlette, sse-starlette, and cryptography through pyjwt[crypto]), so
# the connectors worker carries tokens' 5.6 MB for a client that signs nothing. Measured
# with core: 17.7 MB zipped, 53 MB unzipped. It serves two rare routes (MCP tool lists,
# spec imports) and tools' calls, never sign-in or a job; no route group carries it.
OVER_BUDGET = {"connector_runner": (56 * MB, 18 * MB)}
RUNTIME_PACKAGES = {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six"}
# Who gets what: tokens for every function that verifies tokens, checks for the pipeline.
EXPECTED_LAYERS = {
    HEALTH.name: ("core",),
    AUTH.name: ("core", "tokens", "accounts"),
    JOBS.name: ("core", "tokens"),
    APPROVALS.name: ("core", "tokens"),
    # Code agents' input and output schemas are checked when written (jsonschema).
    AGENTS.name: ("core", "tokens", "schemas"),
    PROVIDERS.name: ("core", "tokens"),
    COSTS.name: ("core", "tokens"),
    SETTINGS.name: ("core", "tokens"),
    PIPELINE_WORKER.name: ("core", "yaml", "checks"),
    RECONCILER.name: ("core",),
    KEY_ROTATION.name: ("core", "tokens"),
    # The event path (issue 12): the groups behind a token, the public /hooks and the
    # queue consumers with core alone.
    "webhooks": ("core", "tokens"),
    "hooks": ("core",),
    "dead_letter": ("core", "tokens"),
    "hook_ingest": ("core",),
    "webhook_fanout": ("core",),
    "webhook_delivery": ("core",),
    "dead_letter_archiver": ("core",),
    # Triggers, notifications and live events (issue 13): the groups and the socket
    # function check tokens; every queue consumer has core alone.
    "triggers": ("core", "tokens", "schedules"),
    "notifications": ("core", "tokens"),
    "live": ("core", "tokens"),
    "trigger_runner": ("core", "schedules"),
    "trigger_matcher": ("core",),
    "notifier": ("core",),
    "notification_delivery": ("core",),
    "live_push": ("core",),
    # Chat (issue 14): the group checks tokens; its consumer has core alone.
    "chat": ("core", "tokens"),
    "chat_runner": ("core",),
    # Tasks (issue 14): the group checks tokens (agent tokens too); its consumer core alone.
    "tasks": ("core", "tokens"),
    "task_runner": ("core",),
    # Workflows (issue 14): the group checks tokens; the step worker core alone (httpx for
    # a webhook step is in core).
    "workflows": ("core", "tokens"),
    "workflow_step": ("core",),
    "workflow_runner": ("core",),
    # The fleet (issue 14): the group checks tokens; the scheduled sweep core alone.
    "fleet": ("core", "tokens"),
    "fleet_sweep": ("core",),
    "messages": ("core", "tokens"),
    # Agents as APIs (issue 15). Marketplace installs make schedule triggers (schedules).
    "marketplace": ("core", "tokens", "schedules"),
    "demos": ("core", "tokens"),
    # The sandbox checks code agents' input and output against their JSON Schemas.
    "sandbox": ("core", "schemas"),
    # The public /rest group checks each deployment's own key, not tokens.
    "rest": ("core",),
    # MCP servers and imported specs: the group checks tokens and invokes the worker, which
    # alone carries the mcp SDK (on tokens' cryptography), jsonschema and PyYAML.
    "connectors": ("core", "tokens"),
    "connector_runner": ("core", "tokens", "schemas", "yaml", "connectors"),
    # SSH: the group checks tokens; its runner alone carries asyncssh (on cryptography).
    "ssh": ("core", "tokens"),
    "ssh_runner": ("core", "tokens", "ssh"),
    # Data (issue 16): the groups check tokens; the vault's reveal checks a TOTP code
    # (accounts' pyotp); exports and /metrics (reports: xlsxwriter, prometheus-client); the
    # knowledge index (stdlib sqlite3) and a team's wipe need nothing beyond core.
    "files": ("core", "tokens"),
    "secrets": ("core", "tokens", "accounts"),
    "knowledge": ("core", "tokens"),
    "knowledge_indexer": ("core",),
    "analytics": ("core", "tokens", "reports"),
    "team_wipe": ("core",),
    # The storefront (issue 17): public reads, no token to check.
    "products": ("core",),
    # Customers sign in (tokens) with argon2id passwords (accounts).
    "customers": ("core", "tokens", "accounts"),
    # Payments check team and customer tokens; the worker applies verified events; Stripe's
    # calls are the stripe_caller's, which alone carries the stripe library (payments).
    "payments": ("core", "tokens"),
    "stripe_caller": ("core", "payments"),
    "support": ("core", "tokens"),
    "ai_market": ("core", "tokens"),
    "telemetry": ("core", "tokens"),
    # Ratings: public, with an optional customer token (tokens).
    "feedback": ("core", "tokens"),
    "marketing": ("core", "tokens"),
    "product_admin": ("core", "tokens"),
    "previews": ("core",),
    "payment_events": ("core",),
    "product_dashboard": ("core", "tokens"),
    "discovery_runner": ("core",),
}

PipCall = tuple[list[str], str]  # pins, constraints file text ("" without one)


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


def fake_pip(
    build: ModuleType, calls: list[PipCall]
) -> Callable[[Sequence[str], Path, Path | None], None]:
    """Stands in for pip: per pin a package and its dist-info; every install also brings a
    shared dependency (as pydantic and pytest both might) and what the real one leaves to
    strip; core's also brings botocore (as pynamodb does)."""

    def install(pins: Sequence[str], target: Path, constraints: Path | None = None) -> None:
        calls.append((list(pins), constraints.read_text() if constraints else ""))
        names = [build._distribution_name(pin) for pin in pins]
        written = {
            "shared_dep.py": "X = 1\n",
            "__pycache__/shared_dep.cpython-312.pyc": "bytecode",
            "bin/tool": "#!/usr/bin/python\n",
            **{f"{name}/__init__.py": f"NAME = {name!r}\n" for name in names},
            **{f"{name}/tests/test_it.py": "def test(): ...\n" for name in names},
            **{f"{name}/stub.pyi": "def f() -> int: ...\n" for name in names},
        }
        records = {"shared_dep": ["shared_dep.py"]}
        records |= {name: [f"{name}/__init__.py"] for name in names}
        if "fastapi" in names:
            written |= {"botocore/__init__.py": "", "botocore/data/x.json": "{}"}
            records["botocore"] = ["botocore/__init__.py", "botocore/data/x.json", "../../bin/x"]
        for name, text in written.items():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_text(text)
        for dist, files in records.items():
            info = target / f"{dist}-1.0.dist-info"
            info.mkdir()
            (info / "RECORD").write_text("".join(f"{file},,\n" for file in files))

    return install


def zip_names(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as zf:
        return zf.namelist()


def distributions(names: Sequence[str]) -> set[str]:
    """Normalized names of the `*.dist-info` folders in a layer zip's entries."""
    build = load_build_script()
    return {
        build.normalize(name.split("/")[1].removesuffix(".dist-info").rpartition("-")[0])
        for name in names
        if name.split("/")[1].endswith(".dist-info")
    }


def test_pins_come_from_pyproject_and_each_goes_to_one_layer(build: ModuleType) -> None:
    pins = build.runtime_pins()
    assert pins
    assert all("==" in pin for pin in pins)
    assert build._distribution_name("aws-lambda-powertools[tracer]==3.37.0") == (
        "aws_lambda_powertools"
    )
    assert build._distribution_name("python-dateutil==2.9") == "python_dateutil"
    plan = build.layer_pins()
    assert (
        list(plan)
        == [
            "core",
            "tokens",
            "yaml",
            "checks",
            "accounts",
            "schedules",
            "schemas",
            "connectors",
            "ssh",
            "reports",
            "payments",
        ]
        == list(build.LAYERS)
    )
    named = {layer: {build._distribution_name(pin) for pin in plan[layer]} for layer in plan}
    assert named["tokens"] == {"pyjwt", "cryptography"}
    assert named["yaml"] == {"pyyaml"}
    assert named["checks"] == {"pytest"}
    assert named["accounts"] == {"argon2_cffi", "pyotp", "segno"}
    assert named["schedules"] == {"cronsim", "tzdata"}
    assert named["schemas"] == {"jsonschema"}
    assert named["connectors"] == {"mcp", "openapi_spec_validator"}
    assert named["ssh"] == {"asyncssh"}
    assert named["reports"] == {"xlsxwriter", "prometheus_client"}
    assert named["payments"] == {"stripe"}
    assert {"fastapi", "pydantic", "httpx", "python_multipart"} <= named["core"]
    placed = [pin for layer_pins in plan.values() for pin in layer_pins]
    left_out = [pin for pin in pins if pin not in placed]
    assert [build._distribution_name(pin) for pin in left_out] == ["boto3"]
    assert len(placed) == len(set(placed)) == len(pins) - 1


def test_an_extra_layer_must_name_real_pins(
    build: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(build.EXTRA_LAYERS, "yaml", ("pyyml",))
    with pytest.raises(SystemExit, match="pyyml is not in"):
        build.layer_pins()
    monkeypatch.setitem(build.EXTRA_LAYERS, "yaml", ("pyyaml", "pyjwt"))
    with pytest.raises(SystemExit, match="pyjwt is already placed"):
        build.layer_pins()


def test_build_installs_strips_dedupes_and_zips_each_layer_under_python(
    build: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[PipCall] = []
    monkeypatch.setattr(build, "_pip_install", fake_pip(build, calls))
    archives = build.build_layers(tmp_path)
    assert list(archives) == list(build.LAYERS)
    plan = build.layer_pins()
    # Core first, without a constraint; each extra layer pinned to what core installed, and
    # a stacked one (checks over yaml, accounts over tokens) to what its bases installed too.
    assert [pins for pins, _ in calls] == [plan[layer] for layer in build.LAYERS]
    assert not any(pin.startswith(("boto3", "pyjwt", "pytest")) for pin in calls[0][0])
    assert calls[0][1] == ""
    assert "fastapi==1.0\n" in calls[1][1]
    assert "shared_dep==1.0\n" in calls[1][1]
    assert calls[1][1] == calls[2][1]
    assert "pyjwt==1.0\n" not in calls[1][1]
    assert "pyyaml==1.0\n" in calls[3][1]
    assert "pyjwt==1.0\n" in calls[4][1]
    assert "fastapi==1.0\n" in calls[4][1]
    names = {layer: zip_names(archive) for layer, archive in archives.items()}
    # Sources and their bytecode (Lambda cannot write it: /opt is read-only), no stubs,
    # tests, scripts or runtime-provided packages.
    assert "python/fastapi/__init__.py" in names["core"]
    assert "python/fastapi/__pycache__/__init__.cpython-312.pyc" in names["core"]
    assert "python/shared_dep.py" in names["core"]
    assert sorted(names["tokens"]) == [
        "python/cryptography-1.0.dist-info/RECORD",
        "python/cryptography/__init__.py",
        "python/cryptography/__pycache__/__init__.cpython-312.pyc",
        "python/pyjwt-1.0.dist-info/RECORD",
        "python/pyjwt/__init__.py",
        "python/pyjwt/__pycache__/__init__.cpython-312.pyc",
    ]
    assert distributions(names["yaml"]) == {"pyyaml"}
    assert distributions(names["checks"]) == {"pytest"}
    for layer, entries in names.items():
        assert all(name.startswith("python/") for name in entries), layer
        assert not any("/tests/" in name or name.endswith(".pyi") for name in entries), layer
        assert not any(name.startswith(("python/bin/", "python/botocore")) for name in entries)
        stamp = json.loads((tmp_path / layer / "fingerprint.json").read_text())
        assert stamp["zipped_bytes"] == archives[layer].stat().st_size
        assert stamp["unzipped_bytes"] == tree_size(tmp_path / layer / "python")
        assert stamp["pins"] == plan[layer]
    # Nothing twice: the extra layers left the shared dependency to core.
    assert json.loads((tmp_path / "tokens" / "fingerprint.json").read_text())["removed"] == [
        "shared_dep"
    ]
    files = [name for entries in names.values() for name in entries]
    assert len(files) == len(set(files))


def test_second_build_is_a_no_op(
    build: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[PipCall] = []
    monkeypatch.setattr(build, "_pip_install", fake_pip(build, calls))
    first = build.build_layers(tmp_path)
    digests = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in first.items()}
    assert build.build_layers(tmp_path) == first
    assert len(calls) == len(build.LAYERS)
    # A forced rebuild of the same inputs gives the same bytes: stable asset hashes.
    build.build_layers(tmp_path, force=True)
    assert len(calls) == 2 * len(build.LAYERS)
    assert {
        name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in first.items()
    } == digests


def test_a_changed_pin_rebuilds_what_it_changes(
    build: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[PipCall] = []
    monkeypatch.setattr(build, "_pip_install", fake_pip(build, calls))
    pins = build.runtime_pins()
    build.build_layers(tmp_path)

    def bumped(*prefixes: str) -> list[str]:
        return [f"{pin}.post1" if pin.startswith(prefixes) else pin for pin in pins]

    # An extra layer's pin: that layer alone.
    calls.clear()
    monkeypatch.setattr(build, "runtime_pins", lambda: bumped("pytest=="))
    build.build_layers(tmp_path)
    assert [pins for pins, _ in calls] == [build.layer_pins()["checks"]]
    # A tokens pin: tokens, and the layers stacked on it.
    calls.clear()
    monkeypatch.setattr(build, "runtime_pins", lambda: bumped("pytest==", "pyjwt=="))
    build.build_layers(tmp_path)
    assert [pins for pins, _ in calls] == [
        build.layer_pins()[layer] for layer in ("tokens", "accounts", "connectors", "ssh")
    ]
    # A core pin: core, and every extra layer (installed against it, deduplicated by it).
    calls.clear()
    monkeypatch.setattr(build, "runtime_pins", lambda: bumped("pytest==", "pyjwt==", "fastapi=="))
    build.build_layers(tmp_path)
    assert len(calls) == len(build.LAYERS)
    # Only boto3 (runtime-provided): nothing.
    calls.clear()
    monkeypatch.setattr(
        build, "runtime_pins", lambda: [*bumped("pytest==", "pyjwt==", "fastapi=="), "boto3==9"]
    )
    build.build_layers(tmp_path)
    assert calls == []


def test_fingerprint_covers_each_layers_inputs(build: ModuleType) -> None:
    pins = build.runtime_pins()
    excluded = build.RUNTIME_PROVIDED
    fingerprint = build.fingerprint
    assert fingerprint("core", pins, excluded) == fingerprint("core", pins, excluded)
    assert fingerprint("core", pins, excluded) != fingerprint("core", pins[:-1], excluded)
    assert fingerprint("core", pins, excluded) != fingerprint("core", pins, set())
    assert fingerprint("core", pins, excluded) != fingerprint("checks", pins, excluded)
    assert fingerprint("checks", pins, excluded, pins) != fingerprint(
        "checks", pins, excluded, pins[:-1]
    )


def test_synth_refuses_to_run_without_a_layer(tmp_path: Path) -> None:
    with pytest.raises(LayerNotBuiltError, match="make layer"):
        layer_zip("core", tmp_path)


def test_each_function_gets_exactly_its_layers(synthesized: Synthesized) -> None:
    build = load_build_script()
    stack = synthesized.stack
    assert set(stack.layers) == set(build.LAYERS)
    assert {spec.name: layers_for(spec) for spec in FUNCTION_SPECS} == EXPECTED_LAYERS
    for spec in FUNCTION_SPECS:
        function = synthesized.resource(stack.functions[spec.name].function)
        # CDK sorts a function's layers; order does not matter, as no two share a file.
        assert sorted(layer["Ref"] for layer in function["Properties"]["Layers"]) == sorted(
            synthesized.logical_id(stack.layers[name]) for name in EXPECTED_LAYERS[spec.name]
        ), spec.name


def test_no_distribution_ships_in_two_layers() -> None:
    build = load_build_script()
    names = {layer: zip_names(layer_zip(layer)) for layer in build.LAYERS}
    dists = {layer: distributions(entries) for layer, entries in names.items()}
    for layer, entries in names.items():
        assert all(name.startswith("python/") for name in entries), layer
        assert not {name.split("/")[1] for name in entries} & RUNTIME_PACKAGES, layer
        for other in build.LAYERS:
            if other != layer:
                assert not dists[layer] & dists[other], (layer, other)
                assert not set(entries) & set(names[other]), (layer, other)
    assert {"pyjwt", "cryptography", "pytest", "pyyaml"}.isdisjoint(dists["core"])
    assert {"pyjwt", "cryptography", "cffi"} <= dists["tokens"]
    assert {"pytest", "pygments", "pluggy"} <= dists["checks"]
    assert dists["yaml"] == {"pyyaml"}
    assert {"argon2_cffi", "argon2_cffi_bindings", "pyotp", "segno"} <= dists["accounts"]
    # Left to the layer it is stacked on: cffi is the tokens layer's.
    assert "cffi" not in dists["accounts"]


def test_a_stacked_layer_always_sits_over_its_bases() -> None:
    from dataclasses import replace

    from infra import specs

    assert specs.STACKED_ON == load_build_script().STACKED_ON
    for spec in FUNCTION_SPECS:
        layers = layers_for(spec)
        for layer, bases in specs.STACKED_ON.items():
            if layer in layers:
                assert all(layers.index(base) < layers.index(layer) for base in bases)
    with pytest.raises(ValueError, match="needs \\['tokens'\\]"):
        layers_for(replace(HEALTH, extra_layers=("accounts",)))


def test_each_function_and_its_layers_fit_lambdas_size_budget(
    tmp_path: Path, dev: Synthesized
) -> None:
    build = load_build_script()
    unzipped = {layer: tree_size(build.site_dir(LAYER_BUILD_DIR, layer)) for layer in build.LAYERS}
    zipped = {layer: layer_zip(layer).stat().st_size for layer in build.LAYERS}
    for layer in build.LAYERS:
        with zipfile.ZipFile(layer_zip(layer)) as zf:
            assert sum(info.file_size for info in zf.infolist()) == unzipped[layer], layer
    # Every function of the stack, route groups and workers, as the synth staged it.
    assert set(dev.stack.functions) == {spec.name for spec in FUNCTION_SPECS}
    for spec in FUNCTION_SPECS:
        staged = dev.asset_dir(dev.resource(dev.stack.functions[spec.name].function))
        function_zip = tmp_path / f"{spec.name}.zip"
        build.write_zip(staged, function_zip)
        # The project templates ship with the pipeline alone, the one function that renders
        # them (in shared/ they used to ship in every function).
        ships_templates = (staged / "functions" / "pipeline" / "targets").is_dir()
        assert ships_templates == spec.handler.startswith("functions.pipeline."), spec.name
        assert not (staged / "shared" / "llm" / "offline").exists(), spec.name
        layers = layers_for(spec)
        total_unzipped = sum(unzipped[layer] for layer in layers) + tree_size(staged)
        total_zipped = sum(zipped[layer] for layer in layers) + function_zip.stat().st_size
        unzipped_budget, zipped_budget = OVER_BUDGET.get(
            spec.name, (UNZIPPED_BUDGET, ZIPPED_BUDGET)
        )
        assert total_unzipped <= unzipped_budget, (spec.name, layers, total_unzipped)
        assert total_zipped <= zipped_budget, (spec.name, layers, total_zipped)
        # An exception no longer needed is dropped, not kept as slack.
        if spec.name in OVER_BUDGET:
            assert total_zipped > ZIPPED_BUDGET, (spec.name, total_zipped)


def test_no_code_of_ours_imports_what_the_layers_leave_out() -> None:
    build = load_build_script()
    dotted = [path.replace("/", ".") for path in build.UNUSED_PACKAGES]
    ours = [
        path
        for folder in ("shared", "functions", "tools")
        for path in (REPO / folder).rglob("*.py")
    ]

    offenders = [
        (str(path.relative_to(REPO)), module)
        for path in ours
        for module in dotted
        if module in path.read_text()
    ]

    assert dotted
    assert offenders == []


# Run with the built payments layer first on the path: its own stripe, stripped.
_STRIPE_CALLS = """
import stripe
from shared.payments.providers.stripe import StripeCharge, StripeProvider
from tests.fake_servers import FakeStripe

charge = StripeCharge("o1", "t1", "product", 950, "usd", "Kit", "pi_1")
with FakeStripe() as fake:
    stripe_api = StripeProvider("sk_test_0123456789abcdefghij", fake.url)
    session = stripe_api.create_checkout(
        charge, success_url="https://a.example", cancel_url="https://b.example",
        idempotency_key="k1",
    )
    refund = stripe_api.refund(charge, amount_cents=950, idempotency_key="k2")
print(stripe.__file__, session.checkout_id, refund)
"""


def test_the_payments_layers_stripe_calls_stripe_without_the_parts_left_out() -> None:
    """The payments layer leaves out stripe's parameter types and v2 event classes
    (UNUSED_PACKAGES): the layer's stripe, as the stripe_caller runs it, still opens a
    checkout session and asks a refund (of a loopback fake of Stripe's API)."""
    import os
    import subprocess
    import sys

    site = load_build_script().site_dir(LAYER_BUILD_DIR, "payments")
    assert (site / "stripe").is_dir()
    assert not (site / "stripe" / "params").exists()
    assert not (site / "stripe" / "events").exists()

    ran = subprocess.run(
        [sys.executable, "-c", _STRIPE_CALLS],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert ran.returncode == 0, ran.stderr
    module, session, refund = ran.stdout.split()
    assert module.startswith(str(site))
    assert session.startswith("cs_test_")
    assert refund.startswith("re_")
