from __future__ import annotations

import pytest

from shared.middleware import _canonical_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/jobs", "/api/v1/jobs"),
        ("/api", "/api/v1"),
        ("/api/v1/jobs", None),
        ("/api/v1", None),
        ("/healthz", "/api/v1/healthz"),
        ("/metrics", None),
        ("/apiary", None),
    ],
)
def test_alias_paths_are_served_by_the_v1_routes(path: str, expected: str | None) -> None:
    assert _canonical_path(path, frozenset({"/healthz"})) == expected
