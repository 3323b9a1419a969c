"""Health routes through the ASGI app (as `make dev` serves them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from functions.health import service
from shared.settings import get_settings

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}


@pytest.mark.parametrize(
    "path", ["/health", "/healthz", "/api/v1/health", "/api/v1/healthz", "/api/health"]
)
def test_liveness_answers_ok_with_version_and_headers(gateway: TestClient, path: str) -> None:
    response = gateway.get(path)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": get_settings().version}
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value
    assert len(response.headers["x-request-id"]) >= 16


@pytest.mark.parametrize("path", ["/readyz", "/ready", "/api/v1/readyz", "/api/readyz"])
def test_readiness_reports_every_table_and_the_bucket(gateway: TestClient, path: str) -> None:
    response = gateway.get(path)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["error"] is None
    assert set(body["checked"]) == {
        *(f"table:{key}" for key in get_settings().table_names),
        "bucket:artifacts",
    }


@pytest.fixture
def missing_jobs_table(aws: None) -> Iterator[None]:
    """Given the jobs table is gone (restored afterwards from the same definition)."""
    from shared.aws import client
    from shared.db.tables import TABLES_BY_KEY
    from tools.local.emulator import _create_table

    settings = get_settings()
    client("dynamodb").delete_table(TableName=settings.table_name("jobs"))
    service.forget_readiness()
    yield
    _create_table(client("dynamodb"), TABLES_BY_KEY["jobs"], settings)
    service.forget_readiness()


@pytest.mark.usefixtures("missing_jobs_table")
def test_readiness_is_503_with_the_reason_when_a_table_is_missing(gateway: TestClient) -> None:
    response = gateway.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["error"] == "table:jobs ResourceNotFoundException"
    assert "factory-test" not in response.text, "public answers never name AWS resources"


def test_readiness_verdict_is_reused_within_its_max_age(aws: None) -> None:
    settings = get_settings()
    service.forget_readiness()
    first = service.readiness(settings, max_age_seconds=5, now=100.0)

    from shared.aws import client

    client("dynamodb").delete_table(TableName=settings.table_name("costs"))
    try:
        cached = service.readiness(settings, max_age_seconds=5, now=104.0)
        fresh = service.readiness(settings, max_age_seconds=5, now=105.5)
    finally:
        from shared.db.tables import TABLES_BY_KEY
        from tools.local.emulator import _create_table

        _create_table(client("dynamodb"), TABLES_BY_KEY["costs"], settings)
        service.forget_readiness()

    assert first.ready
    assert cached is first
    assert not fresh.ready
    assert fresh.problems == ("table:costs ResourceNotFoundException",)


def test_api_info_names_the_service_and_its_docs(gateway: TestClient) -> None:
    for path in ("/api", "/api/v1"):
        response = gateway.get(path)
        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            "service": "software-factory",
            "version": get_settings().version,
            "docs_url": "/api/v1/docs",
            # No WebSocket API is served in this test (tests/integration/test_live.py).
            "live_url": None,
        }


def test_openapi_document_merges_every_group(gateway: TestClient) -> None:
    from functions.registry import GROUPS

    for path in ("/openapi.json", "/api/v1/openapi.json"):
        response = gateway.get(path)
        assert response.status_code == 200
        document = response.json()
        assert document["openapi"].startswith("3.")
        assert "/api/v1/readyz" in document["paths"]
        tags = {
            tag
            for item in document["paths"].values()
            for op in item.values()
            for tag in op.get("tags", [])
        }
        # Each group tags its routes with its name (as its path prefix spells it).
        assert {group.name.replace("_", "-") for group in GROUPS} <= tags
        # The /api alias and root aliases are served but not listed twice.
        assert not any(path.startswith("/api/health") for path in document["paths"])


def test_swagger_ui_points_at_the_merged_document(gateway: TestClient) -> None:
    response = gateway.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/api/v1/openapi.json" in response.text


def test_a_client_request_id_is_echoed(gateway: TestClient) -> None:
    response = gateway.get("/healthz", headers={"X-Request-Id": "trace-me-123"})

    assert response.headers["x-request-id"] == "trace-me-123"


def test_an_unsafe_client_request_id_is_replaced(gateway: TestClient) -> None:
    response = gateway.get("/healthz", headers={"X-Request-Id": "bad id\twith spaces"})

    assert response.headers["x-request-id"] != "bad id\twith spaces"
    assert len(response.headers["x-request-id"]) == 32
