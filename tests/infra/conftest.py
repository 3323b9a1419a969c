"""One synth per stage per test session, shared by every infra test (see assembly.py),
and one of the dev stack from synthetic registry lists for flags no real entry sets yet."""

from __future__ import annotations

import os

import pytest

from functions.registry import PIPELINE_WORKER, WORKFLOW_STEP
from tests.infra.assembly import (
    SYNTHETIC_GROUP,
    SYNTHETIC_WORKER,
    Synthesized,
    synthesize,
    synthesize_stack,
)


@pytest.fixture(scope="session", autouse=True)
def _own_build_root(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test process stages functions in its own folder: parallel synths never race."""
    os.environ["FACTORY_BUILD_ROOT"] = str(tmp_path_factory.mktemp("staged"))


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize("dev", tmp_path_factory.mktemp("cdk-dev"))


@pytest.fixture(scope="session")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize("prod", tmp_path_factory.mktemp("cdk-prod"))


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The dev stack from synthetic registry lists (assembly.SYNTHETIC_*), no cdk-nag."""
    return synthesize_stack(
        tmp_path_factory.mktemp("cdk-synthetic"),
        groups=(SYNTHETIC_GROUP,),
        workers=(PIPELINE_WORKER, WORKFLOW_STEP, SYNTHETIC_WORKER),
    )


@pytest.fixture(scope="session", params=["dev", "prod"])
def synthesized(request: pytest.FixtureRequest) -> Synthesized:
    """Each stage in turn, for what must hold in both."""
    result: Synthesized = request.getfixturevalue(request.param)
    return result
