"""ApiClient over httpx.MockTransport: error mapping, retries, the download's origin rule."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.cli.fakes import BASE, JOB_ID, FakeApi, job, zip_bytes
from tools.cli.client import ApiClient, ApiError, normalize_base_url, same_origin


def client_for(
    handler, *, bearer: str | None = "tok", sleeps: list[float] | None = None
) -> ApiClient:
    record = sleeps if sleeps is not None else []
    return ApiClient(BASE, bearer, transport=httpx.MockTransport(handler), sleep=record.append)


@pytest.mark.parametrize(
    "url",
    ["http://h:8000", "http://h:8000/", "http://h:8000/api", "http://h:8000/api/v1/"],
)
def test_base_url_forms_mean_the_same_api(url: str) -> None:
    assert normalize_base_url(url) == "http://h:8000"


def test_a_stage_path_is_kept_and_nonsense_is_refused() -> None:
    assert normalize_base_url("https://x.example/prod/api/v1") == "https://x.example/prod"
    with pytest.raises(ValueError, match="http"):
        normalize_base_url("localhost:8000")


def test_same_origin_knows_default_ports() -> None:
    assert same_origin("https://a.example/x", "https://a.example:443/y")
    assert not same_origin("https://a.example", "http://a.example")
    assert not same_origin("https://bucket.s3.amazonaws.com/k", "https://api.example")


def test_error_answer_becomes_detail_and_request_id() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(409, json={"detail": "job is passed", "request_id": "r-1"})

    with pytest.raises(ApiError) as caught, client_for(handler) as client:
        client.cancel("todo")
    assert caught.value.status == 409
    assert caught.value.lines() == ["409 Conflict: job is passed", "  request id: r-1"]


def test_validation_errors_are_listed_by_field() -> None:
    detail = [
        {"loc": ["body", "name"], "msg": "String should have at least 1 character"},
        {"loc": ["body", "platform"], "msg": "Value error, platform must be among web"},
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json={"detail": detail, "request_id": "r-2"})

    with pytest.raises(ApiError) as caught, client_for(handler) as client:
        client.create_job({"name": ""}, "key")
    assert caught.value.lines() == [
        "422 Unprocessable Entity: invalid request",
        "  - name: String should have at least 1 character",
        "  - platform: Value error, platform must be among web",
        "  request id: r-2",
    ]


def test_gateway_errors_without_our_body_still_read_well() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/jobs"):
            return httpx.Response(401, json={"message": "Unauthorized"})
        return httpx.Response(500, text="<html>oops</html>", headers={"apigw-requestid": "gw-1"})

    with client_for(handler) as client:
        with pytest.raises(ApiError) as unauthorized:
            client.list_jobs()
        with pytest.raises(ApiError) as broken:
            client.get_job("x")
    assert unauthorized.value.lines()[0] == "401 Unauthorized: Unauthorized"
    assert "factory login" in unauthorized.value.lines()[1]
    assert broken.value.lines() == [
        "500 Internal Server Error: <html>oops</html>",
        "  request id: gw-1",
    ]


def test_no_token_is_said_before_any_request() -> None:
    calls: list[httpx.Request] = []
    with pytest.raises(ApiError, match="FACTORY_TOKEN"), client_for(calls.append, bearer=None) as c:
        c.list_jobs()
    assert calls == []


def test_an_answer_that_is_not_the_api_is_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>a login page</html>")

    with (
        pytest.raises(ApiError, match="is FACTORY_URL the Software Factory API"),
        client_for(handler) as client,
    ):
        client.get_job("x")


def test_create_job_retries_with_the_same_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:  # the server got it, the answer got lost
            raise httpx.ReadTimeout("timed out", request=request)
        if len(seen) == 2:
            return httpx.Response(409, json={"detail": "still being processed"})
        return httpx.Response(202, json=job())

    sleeps: list[float] = []
    with client_for(handler, sleeps=sleeps) as client:
        created = client.create_job({"name": "x"}, "key-1")
    assert created.id == JOB_ID
    assert [r.headers["Idempotency-Key"] for r in seen] == ["key-1"] * 3
    assert sleeps == [0.5, 1.0]


def test_reads_retry_a_busy_gateway_but_writes_without_a_key_do_not() -> None:
    answers = iter([httpx.Response(503, json={"message": "busy"}), httpx.Response(200, json=job())])
    posts: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posts.append(request)
            return httpx.Response(503, json={"message": "busy"})
        return next(answers)

    with client_for(handler) as client:
        assert client.get_job("todo").status == "queued"
        with pytest.raises(ApiError) as caught:
            client.cancel("todo")
    assert caught.value.retryable
    assert len(posts) == 1


def test_an_unreachable_server_is_one_line() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(ApiError) as caught, client_for(handler) as client:
        client.get_job("todo")
    assert caught.value.lines() == [
        "cannot reach http://factory.test: [Errno 111] Connection refused"
    ]
    assert caught.value.retryable


def test_download_from_the_api_itself_sends_the_token(tmp_path: Path) -> None:
    api = FakeApi(download_url=f"/api/v1/jobs/{JOB_ID}/download/zip")  # relative works too
    with ApiClient(BASE, "tok", transport=api.transport()) as client:
        size = client.download("todo-list-app", tmp_path / "app.zip")
    fetch = api.sent("GET", f"/api/v1/jobs/{JOB_ID}/download/zip")[0]
    assert fetch.headers["Authorization"] == "Bearer tok"
    assert size == len(zip_bytes()) == (tmp_path / "app.zip").stat().st_size


def test_download_from_presigned_storage_never_sends_the_token(tmp_path: Path) -> None:
    api = FakeApi(download_url="https://bucket.s3.amazonaws.com/x.zip?X-Amz-Signature=s")
    api.routes["GET /x.zip"] = lambda request: httpx.Response(200, content=zip_bytes())
    with ApiClient(BASE, "tok", transport=api.transport()) as client:
        client.download("todo-list-app", tmp_path / "app.zip")
    link, fetch = api.requests
    assert link.headers["Authorization"] == "Bearer tok"
    assert fetch.url.host == "bucket.s3.amazonaws.com"
    assert "Authorization" not in fetch.headers


def test_a_failed_or_bad_download_leaves_no_file(tmp_path: Path) -> None:
    api = FakeApi(download_url="https://bucket.s3.amazonaws.com/x.zip")
    api.routes["GET /x.zip"] = lambda request: httpx.Response(403, text="<Error>Expired</Error>")
    with ApiClient(BASE, "tok", transport=api.transport()) as client:
        with pytest.raises(ApiError, match="403 Forbidden: <Error>Expired</Error>"):
            client.download("todo-list-app", tmp_path / "app.zip")
        api.routes["GET /x.zip"] = lambda request: httpx.Response(200, content=b"<html>")
        with pytest.raises(ApiError, match="not a ZIP"):
            client.download("todo-list-app", tmp_path / "app.zip")
    assert list(tmp_path.iterdir()) == []
