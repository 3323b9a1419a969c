"""API tests: apps served in-process, over emulated AWS, with a guard against Scans.

A DynamoDB Scan reads a whole table, every team's items included; no request may
issue one. The guard counts requests in flight (in the kernel middleware every app
has) and fails any Scan made while one is, whichever thread makes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.client import BaseClient
from fastapi.testclient import TestClient

from shared.middleware import KernelMiddleware


class ScanGuard:
    def __init__(self) -> None:
        self.in_flight = 0
        self.violations: list[str] = []


_guard = ScanGuard()


@pytest.fixture(scope="session", autouse=True)
def scan_guard() -> Iterator[ScanGuard]:
    original_call = KernelMiddleware.__call__
    original_api_call = BaseClient._make_api_call

    async def counted_call(self: KernelMiddleware, scope: Any, receive: Any, send: Any) -> None:
        _guard.in_flight += 1
        try:
            await original_call(self, scope, receive, send)
        finally:
            _guard.in_flight -= 1

    def guarded_api_call(self: BaseClient, operation_name: str, api_params: Any) -> Any:
        if operation_name == "Scan" and _guard.in_flight:
            _guard.violations.append(f"Scan of {api_params.get('TableName')}")
            raise AssertionError("a DynamoDB Scan was issued while serving a request")
        return original_api_call(self, operation_name, api_params)

    KernelMiddleware.__call__ = counted_call  # type: ignore[method-assign]
    BaseClient._make_api_call = guarded_api_call  # type: ignore[method-assign]
    yield _guard
    KernelMiddleware.__call__ = original_call  # type: ignore[method-assign]
    BaseClient._make_api_call = original_api_call  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _no_scans(scan_guard: ScanGuard) -> Iterator[None]:
    before = len(scan_guard.violations)
    yield
    assert scan_guard.violations[before:] == [], "requests must Query, never Scan"


@pytest.fixture(scope="session")
def gateway(aws: None) -> Iterator[TestClient]:
    """Every route group behind the local gateway, as `make dev` serves them."""
    from tools.local.gateway import LocalGateway

    with TestClient(LocalGateway(), raise_server_exceptions=False) as client:
        yield client


ADMIN_KEY = "test-admin-key-0123456789"


@pytest.fixture(scope="session")
def token_for(gateway: TestClient) -> Any:
    """A bearer token for a team (and role), from the admin key, as seed 001 gets one."""
    cache: dict[tuple[str, str], str] = {}

    def issue(team_id: str, role: str = "admin") -> dict[str, str]:
        if (team_id, role) not in cache:
            answer = gateway.post(
                "/api/v1/auth/token",
                headers={"X-Admin-Key": ADMIN_KEY},
                json={"team_id": team_id, "role": role},
            )
            assert answer.status_code == 200, answer.text
            cache[team_id, role] = answer.json()["token"]
        return {"Authorization": f"Bearer {cache[team_id, role]}"}

    return issue
