"""One synth per stage per test session, shared by every infra test (see assembly.py)."""

from __future__ import annotations

import pytest

from tests.infra.assembly import Synthesized, synthesize


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize("dev", tmp_path_factory.mktemp("cdk-dev"))


@pytest.fixture(scope="session")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize("prod", tmp_path_factory.mktemp("cdk-prod"))


@pytest.fixture(scope="session", params=["dev", "prod"])
def synthesized(request: pytest.FixtureRequest) -> Synthesized:
    """Each stage in turn, for what must hold in both."""
    result: Synthesized = request.getfixturevalue(request.param)
    return result
