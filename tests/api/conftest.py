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
from tests.factories import ADMIN_KEY, STRONG_PASSWORD, Account, ScanGuard

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


@pytest.fixture(scope="session")
def token_for(gateway: TestClient) -> Any:
    """A bearer token for a team (and role), from the admin key, as seed 001 gets one. Each
    is asked for from an address of its own: the admin key is rate-limited per address."""
    from tools.local.gateway import LocalGateway

    cache: dict[tuple[str, str], str] = {}

    def issue(team_id: str, role: str = "admin") -> dict[str, str]:
        if (team_id, role) not in cache:
            address = f"2001:db8:ffff::{len(cache) + 1:x}"
            with TestClient(LocalGateway(), client=(address, 50000)) as client:
                answer = client.post(
                    "/api/v1/auth/token",
                    headers={"X-Admin-Key": ADMIN_KEY},
                    json={"team_id": team_id, "role": role},
                )
            assert answer.status_code == 200, answer.text
            cache[team_id, role] = answer.json()["token"]
        return {"Authorization": f"Bearer {cache[team_id, role]}"}

    return issue


_addresses = iter(range(1, 1_000_000))


@pytest.fixture
def client_at(aws: None) -> Any:
    """A client of the local gateway from an address of its own (rate limits count per
    address): `client_at()` picks a fresh documentation address, `client_at("192.0.2.7")`
    a given one."""
    from tools.local.gateway import LocalGateway

    clients: list[TestClient] = []

    def make(address: str | None = None) -> TestClient:
        n = next(_addresses)
        host = address or f"2001:db8::{n // 65536:x}:{n % 65536:x}"
        client = TestClient(LocalGateway(), raise_server_exceptions=False, client=(host, 50000))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def new_account(client_at: Any) -> Any:
    """`new_account()`: register (a new team, as its admin) and sign in, from a fresh
    address. `new_account(invited_by=admin, role="member")` joins `admin`'s team instead."""

    def make(*, invited_by: Account | None = None, role: str = "member") -> Account:
        client = client_at()
        email = f"user-{next(_addresses)}@example.com"
        body: dict[str, Any] = {"email": email, "password": STRONG_PASSWORD, "full_name": "Ada"}
        if invited_by is not None:
            invitation = invited_by.client.post(
                "/api/v1/admin/users",
                headers=invited_by.headers,
                json={"email": email, "role": role},
            )
            assert invitation.status_code == 201, invitation.text
            body["invitation_token"] = invitation.json()["invitation_token"]
        registered = client.post("/api/v1/auth/register", json=body)
        assert registered.status_code == 201, registered.text
        login = client.post(
            "/api/v1/auth/login", json={"email": email, "password": STRONG_PASSWORD}
        )
        assert login.status_code == 200, login.text
        return Account(client, email, STRONG_PASSWORD, login.json())

    return make
