"""`make dev` for real: start the local server on a free loopback port and talk HTTP to it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.local_server import local_server

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]


ADMIN_PASSWORD = "e2e first passphrase 2026"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with local_server("factory-e2e", LOCAL_ADMIN_PASSWORD=ADMIN_PASSWORD) as base:
        yield base


def test_liveness_readiness_and_the_document_over_http(server: str) -> None:
    with httpx.Client(base_url=server, timeout=5) as http:
        health = http.get("/healthz")
        ready = http.get("/readyz")
        document = http.get("/openapi.json")

    assert health.json()["status"] == "ok"
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert "/api/v1/readyz" in document.json()["paths"]
    for response in (health, ready, document):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert response.headers["x-request-id"]


def test_bad_requests_get_the_error_body_over_http(server: str) -> None:
    with httpx.Client(base_url=server, timeout=5) as http:
        unknown = http.get("/api/v1/no-such-thing", headers={"X-Request-Id": "e2e-1"})
        oversized = http.post("/api/v1/health", content=b"x" * 1_100_000)

    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Not found", "request_id": "e2e-1"}
    assert oversized.status_code == 413
    assert set(oversized.json()) == {"detail", "request_id"}


def test_a_seven_megabyte_body_gets_413_as_an_http_answer(server: str) -> None:
    """The server reads and drops what the cap refused, so even a client that asked for
    Connection: close (urllib) and is still sending reads the answer, not a reset."""
    import urllib.error
    import urllib.request

    body = b"x" * 7_000_000
    for path in ("/api/v1/health", "/api/v1/hooks/no-such-source"):
        request = urllib.request.Request(f"{server}{path}", data=body, method="POST")  # noqa: S310
        request.add_header("Content-Type", "application/json")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)  # noqa: S310 - loopback http
        assert refused.value.code == 413
        assert set(json.loads(refused.value.read())) == {"detail", "request_id"}

    with httpx.Client(base_url=server, timeout=30) as http:
        kept_alive = http.post("/api/v1/health", content=body)
        after = http.get("/healthz")
    assert kept_alive.status_code == 413
    assert after.status_code == 200


def test_the_first_admin_signs_in_and_is_admin_of_team_default(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as http:
        signed_in = http.post(
            "/api/v1/auth/login",
            json={"email": "admin@example.com", "password": ADMIN_PASSWORD},
        )
        token = signed_in.json()["access_token"]
        me = http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        users = http.get("/api/v1/admin/users", headers={"Authorization": f"Bearer {token}"})

    assert signed_in.status_code == 200, signed_in.text
    assert me.json()["team_id"] == "default"
    assert me.json()["role"] == "admin"
    assert users.json()["total"] == 1


def test_a_request_waiting_on_this_server_is_answered_while_it_waits(server: str) -> None:
    """Requests run side by side, as Lambda invocations do: a webhook test sent to this
    server's own inbound URL is answered (401: not the source's signature) at once, not
    after the sender's 15 s timeout with the server blocked on itself."""
    with httpx.Client(base_url=server, timeout=10) as http:
        token = http.post(
            "/api/v1/auth/login", json={"email": "admin@example.com", "password": ADMIN_PASSWORD}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        source = http.post(
            "/api/v1/webhooks/sources",
            json={"name": "this server", "scheme": "standard-webhooks"},
            headers=auth,
        ).json()
        endpoint = http.post(
            "/api/v1/webhooks", json={"url": source["url"], "events": ["*"]}, headers=auth
        ).json()
        tested = http.post(f"/api/v1/webhooks/{endpoint['id']}/test", headers=auth)

    assert tested.status_code == 200, tested.text
    assert tested.json()["response_code"] == 401


def test_a_weak_local_admin_password_stops_the_start_with_the_reason() -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    environment = {
        **os.environ,
        "APP_ENV": "local",
        "RESOURCE_PREFIX": "factory-e2e-weak",
        "LOCAL_ADMIN_PASSWORD": "short",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tools.local", "--port", "0"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0
    assert "LOCAL_ADMIN_PASSWORD: Password must be at least 12 characters" in done.stderr
    assert "Traceback" not in done.stderr
