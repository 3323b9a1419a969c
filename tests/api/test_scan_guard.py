"""The Scan guard itself: it must catch a Scan made while a request is served."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from shared.app_factory import create_app, group_router
from shared.settings import get_settings
from tests.factories import ScanGuard

router = group_router()


@router.get("/everything")
async def read_everything() -> dict[str, int]:
    from shared.aws import client

    found = client("dynamodb").scan(TableName=get_settings().table_name("jobs"))
    return {"count": found["Count"]}


@pytest.mark.usefixtures("aws")
def test_a_scan_while_serving_a_request_is_caught(scan_guard: ScanGuard) -> None:
    before = len(scan_guard.violations)
    with TestClient(create_app("leaky", router), raise_server_exceptions=False) as client:
        response = client.get("/api/v1/everything")

    assert response.status_code == 500
    assert scan_guard.violations[before:] == ["Scan of factory-test-jobs"]
    del scan_guard.violations[before:]  # expected here; the per-test check must not fail


@pytest.mark.usefixtures("aws")
def test_a_scan_outside_a_request_is_allowed(scan_guard: ScanGuard) -> None:
    from shared.aws import client

    client("dynamodb").scan(TableName=get_settings().table_name("jobs"))

    assert scan_guard.in_flight == 0
