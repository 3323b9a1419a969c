from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.app_factory import create_app, group_router
from shared.middleware import _canonical_path, configured_security_headers, security_headers


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


# --- security headers (seed 004: SECURITY_HEADER_*, blank turns one off) -----------------


def test_the_default_security_headers_are_the_seeds() -> None:
    assert dict(security_headers({})) == {
        b"x-content-type-options": b"nosniff",
        b"x-frame-options": b"DENY",
        b"referrer-policy": b"strict-origin-when-cross-origin",
    }


def test_a_security_header_is_replaced_or_turned_off_by_its_variable() -> None:
    environ = {
        "SECURITY_HEADER_X_FRAME_OPTIONS": "SAMEORIGIN",
        "SECURITY_HEADER_REFERRER_POLICY": "",
        "security_header_permissions_policy": "camera=(), microphone=()",
    }

    assert dict(security_headers(environ)) == {
        b"x-content-type-options": b"nosniff",
        b"x-frame-options": b"SAMEORIGIN",
        b"permissions-policy": b"camera=(), microphone=()",
    }


@pytest.mark.parametrize("value", ["DENY\r\nSet-Cookie: a=b", "caf\u00e9", "x" * 1025])
def test_a_header_value_that_is_not_one_printable_line_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="SECURITY_HEADER_X_FRAME_OPTIONS"):
        security_headers({"SECURITY_HEADER_X_FRAME_OPTIONS": value})


def _app_answering(status: int) -> FastAPI:
    router = group_router()

    @router.get("/probe")
    async def probe() -> dict[str, str]:
        if status == 500:
            raise RuntimeError("boom")
        return {"ok": "yes"}

    return create_app("probe", router)


@pytest.mark.parametrize("status", [200, 404, 500])
def test_every_answer_carries_the_configured_headers(
    monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    monkeypatch.setenv("SECURITY_HEADER_X_FRAME_OPTIONS", "")
    monkeypatch.setenv("SECURITY_HEADER_PERMISSIONS_POLICY", "geolocation=()")
    configured_security_headers.cache_clear()
    try:
        client = TestClient(_app_answering(status), raise_server_exceptions=False)
        path = "/api/v1/nowhere" if status == 404 else "/api/probe"
        answer = client.get(path)
    finally:
        configured_security_headers.cache_clear()

    assert answer.status_code == status
    assert "x-frame-options" not in answer.headers
    assert answer.headers["permissions-policy"] == "geolocation=()"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-request-id"]
