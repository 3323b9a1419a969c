"""tests/unit holds only tests that need no emulated AWS: the kernel's pure pieces, the
registry, cold-start imports. A test that asks for the `aws` fixture belongs in
tests/integration; this override says so instead of quietly starting moto."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def aws() -> None:
    pytest.fail(
        "tests/unit needs no emulated AWS: move a test that uses the `aws` fixture to "
        "tests/integration",
        pytrace=False,
    )
