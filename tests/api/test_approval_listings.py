"""Seed 001's listings at /checkpoints and /experiences (404 before): the team's approvals
queue, as GET /approvals answers it, under both API bases; paged per status; another
team's approvals out of sight."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Account, assert_error


def _opened(account: Account, title: str) -> str:
    answer = account.client.post(
        "/api/v1/approvals", headers=account.headers, json={"title": title, "payload": {}}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


@pytest.mark.parametrize("path", ["/api/v1/checkpoints", "/api/experiences"])
def test_the_listings_are_the_teams_approvals_queue(
    new_account: Callable[..., Account], path: str
) -> None:
    admin, outsider = new_account(), new_account()
    first, second = _opened(admin, "first"), _opened(admin, "second")
    _opened(outsider, "theirs")
    decided = admin.client.post(f"/api/v1/approvals/{first}/approve", headers=admin.headers)
    assert decided.status_code == 200, decided.text

    pending = admin.client.get(path, headers=admin.headers)
    every = admin.client.get(path, headers=admin.headers, params={"status": "all"})
    queue = admin.client.get("/api/v1/approvals", headers=admin.headers)

    assert pending.status_code == 200, pending.text
    assert pending.json() == queue.json()
    assert [item["id"] for item in pending.json()["items"]] == [second]
    assert {item["id"] for item in every.json()["items"]} == {first, second}


@pytest.mark.parametrize(
    ("params", "status"), [({"status": "lost"}, 422), ({"limit": 0}, 422), ({}, 401)]
)
def test_a_bad_listing_request_is_refused(
    new_account: Callable[..., Account],
    client_at: Callable[..., TestClient],
    params: dict[str, Any],
    status: int,
) -> None:
    admin = new_account()
    # Without a credential: a client of its own (the admin's holds its session's cookie).
    client, headers = (admin.client, admin.headers) if status != 401 else (client_at(), {})

    for path in ("/api/v1/checkpoints", "/api/v1/experiences"):
        assert_error(client.get(path, headers=headers, params=params), status)
