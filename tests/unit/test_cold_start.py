"""What a handler imports decides its cold start: check it in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from pydantic import v1

from functions.registry import GROUPS, SOCKETS, WORKERS
from infra.specs import FunctionSpec, modules_absent_from

HEAVY = ("boto3", "botocore.client", "pynamodb", "aws_xray_sdk", "pydantic.v1")


def modules_after_import(module: str, watched: tuple[str, ...] = HEAVY) -> set[str]:
    code = (
        f"import importlib, json, sys; importlib.import_module({module!r}); "
        f"print(json.dumps([name for name in {watched!r} if name in sys.modules]))"
    )
    env = {**os.environ, "APP_ENV": "test"}
    env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    return set(json.loads(output))


def test_health_handler_imports_no_aws_sdk_tracer_or_pydantic_v1() -> None:
    assert modules_after_import("functions.health.handler") == set()


def test_the_agents_handler_leaves_the_router_and_the_registry_to_the_routes_using_them() -> None:
    # Only the test call routes and only a named provider is looked up: the router (budget,
    # breaker, ledger) and the registry (provider clients, keys) are imported by those.
    loaded = modules_after_import(
        "functions.agents.handler", watched=("shared.llm.router", "shared.llm.registry")
    )
    assert loaded == set()


@pytest.mark.parametrize("group", GROUPS, ids=lambda group: group.name)
def test_no_handler_imports_pydantic_v1_or_the_tracer(group: object) -> None:
    handler_module = group.handler.rsplit(".", 1)[0]  # type: ignore[attr-defined]
    assert modules_after_import(handler_module).isdisjoint({"pydantic.v1", "aws_xray_sdk"})


def test_pydantic_v1_models_are_still_refused_once_v1_is_loaded() -> None:
    from fastapi.exceptions import PydanticV1NotSupportedError
    from fastapi.utils import create_model_field

    import shared.app_factory  # noqa: F401 - installs the compat shim

    class Legacy(v1.BaseModel):
        name: str

    with pytest.raises(PydanticV1NotSupportedError):
        create_model_field(name="legacy", type_=Legacy)


# A function without a layer cannot import its modules (Lambda would fail at import):
# lazy imports inside shared.auth and checks see to that. Imported here with those modules
# hidden, as deployed, so a mere probe (FastAPI's for email_validator) behaves as there.
@pytest.mark.parametrize("spec", [*GROUPS, *WORKERS, *SOCKETS], ids=lambda spec: spec.name)
def test_no_function_imports_what_its_layers_lack(spec: FunctionSpec) -> None:
    absent = sorted(modules_absent_from(spec))
    handler_module = spec.handler.rsplit(".", 1)[0]
    code = (
        "import importlib, json, sys; from tools.absent_layers import hide; "
        f"hide({absent!r}); importlib.import_module({handler_module!r}); "
        f"print(json.dumps([m for m in {absent!r} if m in sys.modules]))"
    )
    env = {**os.environ, "APP_ENV": "test"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_a_hidden_layer_module_cannot_be_imported() -> None:
    code = "from tools.absent_layers import hide; hide(['email_validator']); import email_validator"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert done.returncode != 0
    assert "not in this function's layers" in done.stderr
