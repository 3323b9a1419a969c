"""Projects over HTTP: create, read by id or slug, replace (upsert), delete, list its jobs."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from shared.db import transactions


def test_a_project_is_created_found_by_slug_and_replaced(
    gateway: TestClient, token_for: Any
) -> None:
    headers = token_for("proj-a")

    created = gateway.post(
        "/api/v1/projects",
        headers=headers,
        json={
            "name": "Flutter Todo App",
            "description": "A simple todo list",
            "icon": "📱",
            "features": ["auth", "notifications"],
        },
    )
    by_slug = gateway.get("/api/v1/projects/flutter-todo-app", headers=headers)
    replaced = gateway.put(
        f"/api/v1/projects/{created.json()['id']}",
        headers=headers,
        json={"name": "Flutter Todo App", "status": "development", "build_progress": 40},
    )

    assert created.status_code == 201
    assert created.json()["status"] == "discovery"
    assert by_slug.json()["id"] == created.json()["id"]
    assert by_slug.json()["jobs"] == []
    assert replaced.json()["status"] == "development"
    assert replaced.json()["build_progress"] == 40
    assert replaced.json()["slug"] == "flutter-todo-app"


def test_put_on_a_new_slug_creates_the_project(gateway: TestClient, token_for: Any) -> None:
    answer = gateway.put(
        "/api/v1/projects/new-idea", headers=token_for("proj-b"), json={"name": "New idea"}
    )

    assert answer.status_code == 200
    assert answer.json()["slug"] == "new-idea"


def test_bad_fields_are_422_and_a_taken_slug_409(gateway: TestClient, token_for: Any) -> None:
    headers = token_for("proj-c")
    gateway.post("/api/v1/projects", headers=headers, json={"name": "Taken", "slug": "taken"})

    assert (
        gateway.post(
            "/api/v1/projects", headers=headers, json={"name": "X", "status": "dreaming"}
        ).status_code
        == 422
    )
    assert (
        gateway.post(
            "/api/v1/projects", headers=headers, json={"name": "X", "build_progress": 101}
        ).status_code
        == 422
    )
    assert (
        gateway.post(
            "/api/v1/projects", headers=headers, json={"name": "X", "team_id": "other"}
        ).status_code
        == 422
    )
    # Numbers are strict: `false` is not the number 0 (the document says integer, number).
    for wrong in ({"build_progress": False}, {"monthly_spend": False}, {"build_progress": "5"}):
        answer = gateway.post("/api/v1/projects", headers=headers, json={"name": "X", **wrong})
        assert answer.status_code == 422, wrong
    # ...while every JSON number the schema allows is taken: 40.0 is an integer to it.
    whole = gateway.post(
        "/api/v1/projects", headers=headers, json={"name": "Whole", "build_progress": 40.0}
    )
    assert whole.status_code == 201, whole.text
    assert whole.json()["build_progress"] == 40
    assert (
        gateway.post(
            "/api/v1/projects", headers=headers, json={"name": "Again", "slug": "taken"}
        ).status_code
        == 409
    )


def test_a_throttled_table_is_503_not_a_taken_slug(
    gateway: TestClient, token_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a table that throttles every transaction (each retry too)
    headers = token_for("proj-throttled")
    original = BaseClient._make_api_call
    transactions_sent: list[str] = []

    def throttled(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "TransactWriteItems":
            transactions_sent.append(operation)
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, operation
            )
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", throttled)
    monkeypatch.setattr(transactions, "pause", lambda _: None)

    # When a project is created
    answer = gateway.post(
        "/api/v1/projects", headers=headers, json={"name": "Busy", "slug": "busy"}
    )

    # Then it is "try again later", tried as often as transactions are, and nothing is stored
    assert answer.status_code == 503
    assert set(answer.json()) == {"detail", "request_id"}
    assert "slug" not in answer.json()["detail"]
    assert len(transactions_sent) == transactions.TRANSACT_ATTEMPTS
    monkeypatch.setattr(BaseClient, "_make_api_call", original)
    assert gateway.get("/api/v1/projects/busy", headers=headers).status_code == 404


def test_another_teams_project_is_404(gateway: TestClient, token_for: Any) -> None:
    created = gateway.post(
        "/api/v1/projects", headers=token_for("proj-d"), json={"name": "Private"}
    ).json()
    intruder = token_for("proj-intruder")

    assert gateway.get(f"/api/v1/projects/{created['id']}", headers=intruder).status_code == 404
    assert gateway.delete(f"/api/v1/projects/{created['id']}", headers=intruder).status_code == 404
    assert (
        gateway.put(
            f"/api/v1/projects/{created['id']}", headers=intruder, json={"name": "Mine now"}
        ).status_code
        == 404
    )


def test_a_project_lists_its_jobs_and_jobs_need_a_real_project(
    gateway: TestClient, token_for: Any
) -> None:
    headers = token_for("proj-e")
    project = gateway.post("/api/v1/projects", headers=headers, json={"name": "Shop"}).json()

    job = gateway.post(
        "/api/v1/jobs",
        headers=headers,
        json={"name": "Shop front", "platform": "web", "project_id": project["slug"]},
    )
    unknown = gateway.post(
        "/api/v1/jobs",
        headers=headers,
        json={"name": "Lost", "platform": "web", "project_id": "no-such-project"},
    )
    detail = gateway.get(f"/api/v1/projects/{project['id']}", headers=headers).json()
    deleted = gateway.delete(f"/api/v1/projects/{project['slug']}", headers=headers)

    assert job.status_code == 202
    assert job.json()["project_id"] == project["id"]
    assert unknown.status_code == 404  # a project the team does not have, like another team's
    assert [listed["id"] for listed in detail["jobs"]] == [job.json()["id"]]
    assert detail["jobs_total"] == 1
    assert deleted.status_code == 204
    assert gateway.get(f"/api/v1/projects/{project['id']}", headers=headers).status_code == 404
