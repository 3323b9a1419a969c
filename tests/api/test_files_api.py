"""/files end to end: uploads through the presigned POST over real HTTP to the emulated S3
(which checks the POST policy as S3 does: tools/local/s3_post_policy.py), completed, listed
by task and job, downloaded inline and by presigned URL, deleted from S3 and the table;
direct uploads; what S3 and the API refuse; another team's file is 404."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from shared.aws import client
from shared.settings import get_settings
from tests.factories import assert_error

FILES = "/api/v1/files"
TEXT = b"Release notes, version 1.2\n"
ACTIVE = ("queued", "running")


@pytest.fixture(scope="module")
def team(gateway: TestClient, token_for: Any) -> dict[str, str]:
    return dict(token_for("files-a"))


@pytest.fixture(scope="module")
def task_id(gateway: TestClient, team: dict[str, str]) -> str:
    answer = gateway.post(
        "/api/v1/tasks", headers=team, json={"title": "Notes", "instructions": "keep them"}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def presign(gateway: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    answer = gateway.post(
        f"{FILES}/presign",
        headers=headers,
        json={"name": "notes.txt", "content_type": "text/plain", "size": len(TEXT), **body},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def post_form(
    upload: dict[str, Any], content: bytes, fields: dict[str, str] | None = None
) -> httpx.Response:
    """The form a browser would POST to S3: the fields as given, then the file."""
    return httpx.post(
        upload["url"],
        data=fields if fields is not None else upload["fields"],
        files={"file": ("notes.txt", content, "text/plain")},
        timeout=10,
    )


def s3_error(answer: httpx.Response) -> tuple[int, str]:
    assert answer.headers["content-type"].startswith("application/xml"), answer.text
    code = answer.text.split("<Code>", 1)[1].split("</Code>", 1)[0]
    return answer.status_code, code


def stored_keys(team_prefix: str) -> list[str]:
    found = client("s3").list_objects_v2(Bucket=get_settings().artifacts_bucket, Prefix=team_prefix)
    return [obj["Key"] for obj in found.get("Contents", [])]


def test_a_presigned_upload_over_http_is_completed_listed_downloaded_and_deleted(
    gateway: TestClient, team: dict[str, str], task_id: str
) -> None:
    before = gateway.get(FILES, headers=team).json()["total"]
    upload = presign(gateway, team, task_id=task_id)
    file_id = upload["file_id"]
    assert upload["expires_in"] == 900
    assert upload["max_size"] == len(TEXT)
    assert upload["fields"]["Content-Type"] == "text/plain"
    assert upload["fields"]["key"] == f"files-a/files/{file_id}"

    # Given a pending upload: readable, not downloadable, not completable before S3 has it.
    pending = gateway.get(f"{FILES}/{file_id}", headers=team).json()
    assert pending["status"] == "pending"
    assert_error(gateway.get(f"{FILES}/{file_id}/download", headers=team), 409)
    assert_error(gateway.post(f"{FILES}/{file_id}/complete", headers=team), 409)
    assert file_id not in [item["id"] for item in gateway.get(FILES, headers=team).json()["items"]]

    # When the form goes to S3 over HTTP, and the upload is completed.
    sent = post_form(upload, TEXT)
    assert sent.status_code == 204, sent.text
    done = gateway.post(f"{FILES}/{file_id}/complete", headers=team)

    # Then it is a file of the task, listed, readable inline and by presigned URL.
    assert done.status_code == 200, done.text
    file = done.json()
    assert file["status"] == "available"
    assert file["size"] == len(TEXT)
    assert file["task_id"] == task_id
    assert file["uploaded_at"] is not None
    assert gateway.post(f"{FILES}/{file_id}/complete", headers=team).json() == file
    by_task = gateway.get(FILES, headers=team, params={"task_id": task_id}).json()
    assert [item["id"] for item in by_task["items"]] == [file_id]
    assert by_task["total"] == 1
    everything = gateway.get(FILES, headers=team).json()
    assert everything["items"][0]["id"] == file_id
    assert everything["total"] == before + 1

    content = gateway.get(f"{FILES}/{file_id}/download", headers=team)
    assert content.status_code == 200
    assert content.content == TEXT
    assert content.headers["content-type"] == "text/plain"
    assert content.headers["content-disposition"].startswith('attachment; filename="notes.txt"')

    link = gateway.get(f"{FILES}/{file_id}/url", headers=team).json()
    assert link["expires_in"] == 3600
    followed = httpx.get(link["url"], timeout=10)
    assert followed.status_code == 200
    assert followed.content == TEXT
    assert followed.headers["content-type"] == "text/plain"

    # When it is deleted: gone from the table, the lists and S3.
    assert gateway.delete(f"{FILES}/{file_id}", headers=team).status_code == 204
    assert_error(gateway.get(f"{FILES}/{file_id}", headers=team), 404)
    assert gateway.get(FILES, headers=team, params={"task_id": task_id}).json()["items"] == []
    assert gateway.get(FILES, headers=team).json()["total"] == before
    assert f"files-a/files/{file_id}" not in stored_keys("files-a/files/")
    # S3 answers a key that is gone 404, or 403 to a signer who may not list the bucket.
    assert httpx.get(link["url"], timeout=10).status_code in (403, 404)
    assert_error(gateway.delete(f"{FILES}/{file_id}", headers=team), 404)


def test_s3_refuses_a_file_over_the_size_the_policy_fixes(
    gateway: TestClient, team: dict[str, str]
) -> None:
    upload = presign(gateway, team, size=10)

    sent = post_form(upload, b"x" * 11)

    assert s3_error(sent) == (400, "EntityTooLarge")
    assert f"files-a/files/{upload['file_id']}" not in stored_keys("files-a/files/")
    assert_error(gateway.post(f"{FILES}/{upload['file_id']}/complete", headers=team), 409)
    # The same form with the size it allows is taken.
    assert post_form(upload, b"x" * 10).status_code == 204


def test_s3_refuses_a_type_other_than_the_policys(
    gateway: TestClient, team: dict[str, str]
) -> None:
    upload = presign(gateway, team)

    as_html = post_form(upload, TEXT, {**upload["fields"], "Content-Type": "text/html"})
    # A field the policy does not name (a type of one's own, say) is refused as well.
    extra = post_form(upload, TEXT, {**upload["fields"], "Cache-Control": "no-store"})

    assert s3_error(as_html) == (403, "AccessDenied")
    assert "Policy Condition failed" in as_html.text
    assert s3_error(extra) == (403, "AccessDenied")
    assert "Extra input fields: cache-control" in extra.text
    assert f"files-a/files/{upload['file_id']}" not in stored_keys("files-a/files/")


def test_a_type_not_allowed_is_refused_before_any_form_is_signed(
    gateway: TestClient, team: dict[str, str]
) -> None:
    for content_type in ("text/html", "image/svg+xml", "application/octet-stream"):
        answer = gateway.post(
            f"{FILES}/presign",
            headers=team,
            json={"name": "page.html", "content_type": content_type, "size": 10},
        )
        assert_error(answer, 422)


def test_s3_refuses_an_expired_form(
    gateway: TestClient, team: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools.local import s3_post_policy

    upload = presign(gateway, team)
    later = s3_post_policy.utcnow() + timedelta(seconds=upload["expires_in"] + 1)
    monkeypatch.setattr(s3_post_policy, "utcnow", lambda: later)

    sent = post_form(upload, TEXT)

    assert s3_error(sent) == (403, "AccessDenied")
    assert "Policy expired" in sent.text


def test_s3_refuses_a_tampered_policy_or_key(gateway: TestClient, team: dict[str, str]) -> None:
    upload = presign(gateway, team, size=10)
    document = json.loads(base64.b64decode(upload["fields"]["policy"]))
    document["conditions"] = [
        ["content-length-range", 1, 10**9] if isinstance(condition, list) else condition
        for condition in document["conditions"]
    ]
    widened = base64.b64encode(json.dumps(document).encode()).decode()

    tampered = post_form(upload, b"x" * 1000, {**upload["fields"], "policy": widened})
    # Another key (another team's file, say) under the same signed policy.
    elsewhere = post_form(upload, b"x" * 5, {**upload["fields"], "key": "files-b/files/planted"})

    assert s3_error(tampered) == (403, "SignatureDoesNotMatch")
    assert s3_error(elsewhere) == (403, "AccessDenied")
    assert stored_keys("files-b/") == []


def test_a_direct_upload_is_a_file_at_once_and_lists_under_its_job(
    gateway: TestClient, team: dict[str, str]
) -> None:
    job = gateway.post(
        "/api/v1/jobs",
        headers=team,
        json={"name": "Files job", "platform": "web", "approval_gates": ["architect"]},
    )
    assert job.status_code == 202, job.text
    job_id = job.json()["id"]

    answer = gateway.post(
        f"{FILES}/upload",
        headers=team,
        params={"job_id": job_id},
        files={"file": ("C:\\Users\\ada\\data.csv", b"a,b\n1,2\n", "text/csv; charset=utf-8")},
    )

    assert answer.status_code == 201, answer.text
    file = answer.json()
    assert (file["name"], file["content_type"], file["size"]) == ("data.csv", "text/csv", 8)
    assert (file["status"], file["job_id"], file["task_id"]) == ("available", job_id, None)
    listed = gateway.get(FILES, headers=team, params={"job_id": job_id}).json()
    assert [item["id"] for item in listed["items"]] == [file["id"]]
    content = gateway.get(f"{FILES}/{file['id']}/download", headers=team)
    assert content.content == b"a,b\n1,2\n"
    renamed = gateway.post(
        f"{FILES}/upload",
        headers=team,
        data={"name": "report.md"},
        files={"file": ("upload.bin", b"# Report\n", "text/markdown")},
    )
    assert renamed.json()["name"] == "report.md"
    # The job stops at its gate before the test ends (its phases run on in the background).
    deadline = time.monotonic() + 60
    while gateway.get(f"/api/v1/jobs/{job_id}", headers=team).json()["status"] in ACTIVE:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_direct_uploads_refuse_a_type_not_allowed_an_empty_file_and_over_the_cap(
    gateway: TestClient, team: dict[str, str]
) -> None:
    def send(content: bytes, content_type: str = "text/plain", **params: str) -> Any:
        return gateway.post(
            f"{FILES}/upload",
            headers=team,
            params=params,
            files={"file": ("a.txt", content, content_type)},
        )

    assert_error(send(b"<script>", "text/html"), 422)
    assert_error(send(b""), 422)
    assert_error(send(b"x" * 1_000_001), 413)
    assert_error(send(b"x" * 2_000_000), 413)  # over the kernel's request cap too
    assert_error(send(b"x", task_id="01JF3ZA1B2C3D4E5F6G7H8J9K0"), 404)
    both = {"task_id": "01JF3ZA1B2C3D4E5F6G7H8J9K0", "job_id": "01JF3ZA1B2C3D4E5F6G7H8J9K0"}
    assert_error(send(b"x", **both), 422)
    assert_error(gateway.get(FILES, headers=team, params=both), 422)


def test_presign_refuses_an_unusable_name_and_a_size_over_the_cap(
    gateway: TestClient, team: dict[str, str]
) -> None:
    def ask(**body: Any) -> Any:
        fields = {"name": "a.txt", "content_type": "text/plain", "size": 10, **body}
        return gateway.post(f"{FILES}/presign", headers=team, json=fields)

    for name in ("../secret", "a/b.txt", "..", " ", "x" * 256, "bell\x07.txt"):
        assert_error(ask(name=name), 422)
    assert_error(ask(size=0), 422)
    assert_error(ask(size="10"), 422)
    assert_error(ask(size=100 * 1024 * 1024 + 1), 413)
    assert ask(size=100 * 1024 * 1024).status_code == 201


def test_a_large_file_is_a_redirect_to_its_presigned_url(
    gateway: TestClient, team: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.files import service

    upload = presign(gateway, team, name="big.txt")
    assert post_form(upload, TEXT).status_code == 204
    assert gateway.post(f"{FILES}/{upload['file_id']}/complete", headers=team).status_code == 200
    monkeypatch.setattr(service, "MAX_INLINE_DOWNLOAD_BYTES", len(TEXT) - 1)

    answer = gateway.get(
        f"{FILES}/{upload['file_id']}/download", headers=team, follow_redirects=False
    )

    assert answer.status_code == 307
    followed = httpx.get(answer.headers["location"], timeout=10)
    assert followed.content == TEXT
    assert 'filename="big.txt"' in followed.headers["content-disposition"]


def test_another_teams_file_and_task_are_404(
    gateway: TestClient, team: dict[str, str], token_for: Any, task_id: str
) -> None:
    upload = presign(gateway, team)
    assert post_form(upload, TEXT).status_code == 204
    file_id = gateway.post(f"{FILES}/{upload['file_id']}/complete", headers=team).json()["id"]
    intruder = token_for("files-b")

    for method, path in (
        ("GET", f"{FILES}/{file_id}"),
        ("GET", f"{FILES}/{file_id}/download"),
        ("GET", f"{FILES}/{file_id}/url"),
        ("POST", f"{FILES}/{file_id}/complete"),
        ("DELETE", f"{FILES}/{file_id}"),
    ):
        assert_error(gateway.request(method, path, headers=intruder), 404)
    assert_error(
        gateway.post(
            f"{FILES}/presign",
            headers=intruder,
            json={"name": "a.txt", "content_type": "text/plain", "size": 1, "task_id": task_id},
        ),
        404,
    )
    assert gateway.get(FILES, headers=intruder, params={"task_id": task_id}).json()["items"] == []
    assert file_id not in [
        item["id"] for item in gateway.get(FILES, headers=intruder).json()["items"]
    ]
    # The owner's file is untouched.
    assert gateway.get(f"{FILES}/{file_id}/download", headers=team).content == TEXT


def test_a_pending_upload_can_be_abandoned(gateway: TestClient, team: dict[str, str]) -> None:
    upload = presign(gateway, team)
    assert post_form(upload, TEXT).status_code == 204  # uploaded, never completed

    assert gateway.delete(f"{FILES}/{upload['file_id']}", headers=team).status_code == 204

    assert_error(gateway.get(f"{FILES}/{upload['file_id']}", headers=team), 404)
    assert f"files-a/files/{upload['file_id']}" not in stored_keys("files-a/files/")
