"""The error contract every group inherits: {detail, request_id} with the right status."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field

from shared.app_factory import create_app, group_router
from shared.errors import Conflict, NotFound, RateLimited
from shared.pagination import Pagination


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=20)
    body: str = ""


router = group_router()


@router.post("/notes", status_code=201)
async def create_note(note: Note) -> dict[str, str]:
    return {"title": note.title}


@router.get("/notes")
async def list_notes(page: Pagination) -> dict[str, int]:
    return {"limit": page.limit, "offset": page.offset}


@router.get("/notes/{note_id}")
async def get_note(note_id: str) -> dict[str, str]:
    if note_id == "taken":
        raise Conflict("note taken was changed by another request")
    if note_id == "busy":
        raise RateLimited(7)
    raise NotFound("note not found")


@router.get("/notes/summary")
async def notes_summary() -> dict[str, int]:
    return {"notes": 0}


@router.delete("/notes/{note_id}", status_code=204)
async def delete_note(note_id: str) -> None:
    raise NotFound("note not found")


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("database password is hunter2")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app("notes", router), raise_server_exceptions=False) as test_client:
        yield test_client


def assert_error_body(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"detail", "request_id"}
    assert body["request_id"] == response.headers["x-request-id"]  # type: ignore[attr-defined]
    assert response.headers["x-content-type-options"] == "nosniff"  # type: ignore[attr-defined]
    return body  # type: ignore[no-any-return]


def test_unknown_route_is_404(client: TestClient) -> None:
    body = assert_error_body(client.get("/api/v1/nowhere"), 404)
    assert body["detail"] == "Not found"


def test_wrong_method_is_405_with_allow(client: TestClient) -> None:
    response = client.put("/api/v1/notes", json={})
    assert_error_body(response, 405)
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}


def test_405_allow_names_the_methods_of_the_literal_path_only(client: TestClient) -> None:
    # /notes/summary is its own resource: /notes/{note_id}'s DELETE is not one of its methods.
    response = client.post("/api/v1/notes/summary")
    assert_error_body(response, 405)
    assert response.headers["allow"] == "GET"
    # A path only the template matches still lists the template's methods.
    response = client.post("/api/v1/notes/n1")
    assert set(response.headers["allow"].split(", ")) == {"DELETE", "GET"}


def test_document_declares_what_the_kernel_answers_for_a_body() -> None:
    document = create_app("notes", router).openapi()
    create = document["paths"]["/api/v1/notes"]["post"]["responses"]
    # A body that does not parse is FastAPI's 400, one over the cap the middleware's 413.
    assert {"400", "413"} <= set(create)
    assert create["413"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    # An operation without a body can answer neither.
    assert "413" not in document["paths"]["/api/v1/notes"]["get"]["responses"]


def test_a_body_that_is_not_json_is_the_declared_400(client: TestClient) -> None:
    response = client.post(
        "/api/v1/notes", content=b"\xc3(", headers={"content-type": "application/json"}
    )
    assert_error_body(response, 400)


def test_invalid_body_is_422_with_field_errors_and_no_echo(client: TestClient) -> None:
    response = client.post("/api/v1/notes", json={"title": "", "secret": "s3cr3t-value"})

    body = assert_error_body(response, 422)
    assert isinstance(body["detail"], list)
    locations = {tuple(error["loc"]) for error in body["detail"]}  # type: ignore[union-attr,index]
    assert locations == {("body", "title"), ("body", "secret")}
    assert "s3cr3t-value" not in response.text


def test_query_bounds_are_422(client: TestClient) -> None:
    assert_error_body(client.get("/api/v1/notes", params={"limit": 101}), 422)
    assert_error_body(client.get("/api/v1/notes", params={"offset": -1}), 422)
    assert client.get("/api/v1/notes", params={"limit": 100}).json() == {"limit": 100, "offset": 0}


def test_declared_body_over_the_cap_is_413_before_the_route(client: TestClient) -> None:
    big = b'{"title": "x", "body": "' + b"a" * 1_100_000 + b'"}'
    response = client.post(
        "/api/v1/notes", content=big, headers={"content-type": "application/json"}
    )
    body = assert_error_body(response, 413)
    assert "1048576" in str(body["detail"])


def test_streamed_body_over_the_cap_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"title": "x", "body": "'
        for _ in range(20):
            yield b"a" * 60_000
        yield b'"}'

    response = client.post(
        "/api/v1/notes", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_error_body(response, 413)


def test_streamed_body_within_the_cap_reaches_the_route(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"title": "streamed",'
        yield b' "body": "fine"}'

    response = client.post(
        "/api/v1/notes", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 201
    assert response.json() == {"title": "streamed"}


def test_domain_errors_map_to_their_status(client: TestClient) -> None:
    assert assert_error_body(client.get("/api/v1/notes/missing"), 404)["detail"] == (
        "note not found"
    )
    assert_error_body(client.get("/api/v1/notes/taken"), 409)
    limited = client.get("/api/v1/notes/busy")
    assert_error_body(limited, 429)
    assert limited.headers["retry-after"] == "7"


def test_unexpected_error_is_500_without_internals(client: TestClient) -> None:
    response = client.get("/api/v1/boom")

    body = assert_error_body(response, 500)
    assert body["detail"] == "Internal server error"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text


def test_routes_are_also_served_under_the_api_alias(client: TestClient) -> None:
    response = client.post("/api/notes", json={"title": "alias"})

    assert response.status_code == 201


def test_cors_preflight_allows_configured_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.settings import get_settings

    monkeypatch.setenv("CORS_ALLOW_ORIGINS", "https://app.example.com, https://admin.example.com")
    get_settings.cache_clear()
    try:
        app = create_app("notes", router)
    finally:
        monkeypatch.delenv("CORS_ALLOW_ORIGINS")
        get_settings.cache_clear()
    with TestClient(app) as cors_client:
        allowed = cors_client.options(
            "/api/v1/notes",
            headers={
                "Origin": "https://admin.example.com",
                "Access-Control-Request-Method": "POST",
            },
        )
        refused = cors_client.options(
            "/api/v1/notes",
            headers={"Origin": "https://evil.example.net", "Access-Control-Request-Method": "POST"},
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://admin.example.com"
    assert allowed.headers["x-frame-options"] == "DENY"
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
