"""The jobs and approvals routes over HTTP (ASGI), with tokens, against the real pipeline."""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from shared import artifacts
from shared.llm.providers import catalog
from tests.factories import assert_error
from tests.fake_servers import fake_openai


def create(gateway: TestClient, headers: dict[str, str], **fields: Any) -> Any:
    body = {"name": "Todo list", "platform": "web", "features": "notes", **fields}
    return gateway.post("/api/v1/jobs", json=body, headers=headers)


def wait_done(
    gateway: TestClient,
    headers: dict[str, str],
    job_id: str,
    until: tuple[str, ...] = ("passed", "failed", "cancelled"),
) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        job = gateway.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in until:
            return job  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, (
            job["status"],
            job.get("error"),
            job.get("current_phase"),
        )
        time.sleep(0.05)


@pytest.fixture(scope="module")
def finished_job(gateway: TestClient, token_for: Any) -> dict[str, Any]:
    headers = token_for("api-jobs")
    created = create(gateway, headers, name="Field Notes", slug="field-notes")
    assert created.status_code == 202, created.text
    return wait_done(gateway, headers, created.json()["id"])


def test_unauthenticated_calls_are_401(gateway: TestClient) -> None:
    assert gateway.get("/api/v1/jobs").status_code == 401
    assert create(gateway, {}).status_code == 401


def test_a_job_is_accepted_then_passes(
    gateway: TestClient, token_for: Any, finished_job: dict[str, Any]
) -> None:
    assert finished_job["status"] == "passed"
    assert finished_job["target"] == "web"
    # The template generator answered every phase: it tokenizes nothing, so nothing counted.
    assert (finished_job["tokens_in"], finished_job["tokens_out"]) == (None, None)


def test_a_new_job_answers_202_with_its_location(gateway: TestClient, token_for: Any) -> None:
    answer = create(gateway, token_for("api-new"), name="Recipe Box")

    assert answer.status_code == 202
    assert answer.json()["status"] in ("queued", "running")
    assert answer.headers["location"] == f"/api/v1/jobs/{answer.json()['id']}"
    assert answer.json()["slug"] == "recipe-box"


def test_a_job_is_found_by_slug_and_listed(
    gateway: TestClient, token_for: Any, finished_job: dict[str, Any]
) -> None:
    headers = token_for("api-jobs")

    by_slug = gateway.get("/api/v1/jobs/field-notes", headers=headers).json()
    listed = gateway.get("/api/v1/jobs", headers=headers, params={"limit": 1}).json()

    assert by_slug["id"] == finished_job["id"]
    assert listed["total"] >= 1
    assert listed["limit"] == 1
    assert {"items", "total", "limit", "offset", "next_cursor"} == set(listed)


def test_phases_list_timings_tokens_and_cost(
    gateway: TestClient, token_for: Any, finished_job: dict[str, Any]
) -> None:
    phases = gateway.get(
        f"/api/v1/jobs/{finished_job['slug']}/phases", headers=token_for("api-jobs")
    ).json()

    assert [phase["phase"] for phase in phases][:3] == ["create", "ba", "backend"]
    dev = next(phase for phase in phases if phase["phase"] == "dev")
    assert dev["status"] == "passed"
    assert dev["duration_seconds"] >= 0
    assert (dev["tokens_in"], dev["tokens_out"]) == (None, None)  # not counted
    assert (dev["provider"], dev["model"]) == ("templates", "templates-1")
    qa = next(phase for phase in phases if phase["phase"] == "qa")
    assert (qa["tokens_in"], qa["tokens_out"], qa["provider"]) == (0, 0, None)  # no model call
    assert dev["role"] == "developer"
    assert dev["agent"] is None  # the team set no agent: the template generator answered
    assert dev["failure"] is None


def test_tree_file_events_and_download(
    gateway: TestClient, token_for: Any, finished_job: dict[str, Any]
) -> None:
    headers = token_for("api-jobs")
    base = f"/api/v1/jobs/{finished_job['id']}"

    tree = gateway.get(f"{base}/code/tree", headers=headers).json()
    page = gateway.get(f"{base}/code/file", params={"path": "index.html"}, headers=headers)
    events = gateway.get(f"{base}/events", headers=headers, params={"limit": 100}).json()
    link = gateway.get(f"{base}/download", headers=headers).json()
    # A presigned S3 link, as deployed: a plain GET with no header (the emulated S3 serves
    # it over HTTP on loopback).
    archive = httpx.get(link["url"], timeout=10)
    through_api = gateway.get(f"{base}/download/zip", headers=headers)

    index = next(entry for entry in tree if entry["path"] == "index.html")
    assert index["name"] == "index.html"
    assert index["isDir"] is False
    assert index["size"] > 0
    assert "Field Notes" in page.json()["content"]
    assert events["items"][0]["type"] == "job.created"
    assert events["items"][-1]["type"] == "job.completed"
    assert link["expires_in"] == artifacts.DOWNLOAD_URL_SECONDS
    assert "/api/" not in link["url"]
    assert "Signature=" in link["url"]
    assert archive.status_code == 200
    assert archive.headers["content-disposition"] == 'attachment; filename="field-notes.zip"'
    assert archive.content == through_api.content
    assert through_api.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        assert "field-notes/index.html" in zipped.namelist()


def test_unknown_platform_is_422_naming_the_allowed_ones(
    gateway: TestClient, token_for: Any
) -> None:
    answer = create(gateway, token_for("api-bad"), platform="windows-phone")

    assert answer.status_code == 422
    message = str(answer.json()["detail"])
    for platform in ("web", "python-api", "android", "ios"):
        assert platform in message


def test_an_unknown_gate_is_422(gateway: TestClient, token_for: Any) -> None:
    answer = create(gateway, token_for("api-bad"), approval_gates=["export"])

    assert answer.status_code == 422
    assert "architect" in str(answer.json()["detail"])


def test_a_taken_slug_is_409(
    gateway: TestClient, token_for: Any, finished_job: dict[str, Any]
) -> None:
    answer = create(gateway, token_for("api-jobs"), slug="field-notes")

    assert answer.status_code == 409
    assert "field-notes" in answer.json()["detail"]


def test_cancelling_a_finished_job_is_409(
    gateway: TestClient, token_for: Any, finished_job: dict[str, Any]
) -> None:
    answer = gateway.post(
        f"/api/v1/jobs/{finished_job['id']}/cancel", headers=token_for("api-jobs")
    )

    assert answer.status_code == 409


def test_download_before_export_is_404(gateway: TestClient, token_for: Any) -> None:
    headers = token_for("api-early")
    job = create(gateway, headers, approval_gates=["ba"]).json()
    wait_done(gateway, headers, job["id"], until=("waiting_approval",))

    answer = gateway.get(f"/api/v1/jobs/{job['id']}/download", headers=headers)

    assert answer.status_code == 404
    assert gateway.post(f"/api/v1/jobs/{job['id']}/cancel", headers=headers).status_code == 202


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("get", "/phases"),
        ("get", "/events"),
        ("get", "/code/tree"),
        ("get", "/code/file?path=index.html"),
        ("get", "/download"),
        ("get", "/download/zip"),
        ("post", "/cancel"),
        ("post", "/retry"),
        ("delete", ""),
    ],
)
def test_another_teams_job_is_404_on_every_route(
    gateway: TestClient, token_for: Any, finished_job: dict[str, Any], method: str, suffix: str
) -> None:
    answer = gateway.request(
        method.upper(),
        f"/api/v1/jobs/{finished_job['id']}{suffix}",
        headers=token_for("api-intruder"),
    )

    assert answer.status_code == 404


@pytest.mark.parametrize("path", ["../secrets.txt", "/etc/passwd", "a/../../b", "C:/x"])
def test_path_traversal_is_400_without_touching_s3(
    gateway: TestClient,
    token_for: Any,
    finished_job: dict[str, Any],
    path: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_s3(*args: object, **kwargs: object) -> None:
        raise AssertionError("S3 was touched")

    monkeypatch.setattr(artifacts, "client", no_s3)
    answer = gateway.get(
        f"/api/v1/jobs/{finished_job['id']}/code/file",
        params={"path": path},
        headers=token_for("api-jobs"),
    )

    assert answer.status_code == 400


def test_a_file_over_500_kb_is_413(
    gateway: TestClient, token_for: Any, finished_job: dict[str, Any]
) -> None:
    team, job_id = "api-jobs", finished_job["id"]
    tree = artifacts.load_tree(team, job_id)
    artifacts.save_tree(team, job_id, {**tree, "assets/big.txt": "x" * (501 * 1024)})

    answer = gateway.get(
        f"/api/v1/jobs/{job_id}/code/file",
        params={"path": "assets/big.txt"},
        headers=token_for(team),
    )

    assert answer.status_code == 413


def test_an_idempotency_key_creates_one_job(gateway: TestClient, token_for: Any) -> None:
    headers = {**token_for("api-idem"), "Idempotency-Key": "create-once-1"}

    first = create(gateway, headers, name="Once Only")
    second = create(gateway, headers, name="Once Only")
    other_body = create(gateway, headers, name="Something Else")

    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert other_body.status_code == 409
    listed = gateway.get("/api/v1/jobs", headers=token_for("api-idem")).json()
    assert listed["total"] == 1


def test_a_job_naming_no_gates_or_repairs_takes_the_teams_settings(
    gateway: TestClient, token_for: Any
) -> None:
    admin = token_for("api-job-defaults")
    settings = {"approval_gates": ["uiux"], "max_repair_attempts": 1}
    assert gateway.patch("/api/v1/system/settings", json=settings, headers=admin).is_success

    defaulted = create(gateway, admin).json()
    explicit = create(gateway, admin, approval_gates=[], max_repair_attempts=4).json()

    assert (defaulted["approval_gates"], defaulted["max_repair_attempts"]) == (["uiux"], 1)
    assert (explicit["approval_gates"], explicit["max_repair_attempts"]) == ([], 4)
    for job in (defaulted, explicit):
        gateway.post(f"/api/v1/jobs/{job['id']}/cancel", headers=admin)


def test_estimate_lists_every_phase(gateway: TestClient, token_for: Any) -> None:
    answer = gateway.post(
        "/api/v1/jobs/estimate", json={"name": "X", "platform": "web"}, headers=token_for("api-est")
    ).json()

    assert answer["phases"][0]["phase"] == "create"
    assert next(p for p in answer["phases"] if p["phase"] == "backend")["skipped"] is True
    assert answer["tokens_in"] == sum(phase["tokens_in"] for phase in answer["phases"])
    assert answer["cost_usd"] == 0  # no agents yet: the built-in template generator is free
    assert {p["provider"] for p in answer["phases"]} == {"templates", None}


def test_estimate_prices_each_phase_at_its_agents_model(
    gateway: TestClient, token_for: Any
) -> None:
    admin = token_for("api-est-priced")
    priced_first_phase(gateway, admin, "https://models.example.com/v1")
    body = {"name": "X", "platform": "web", "features": "notes, tags"}

    answer = gateway.post("/api/v1/jobs/estimate", json=body, headers=admin).json()

    create_phase, *rest = answer["phases"]
    gpt_4o = catalog.price_of("openai", "gpt-4o")
    assert gpt_4o is not None
    assert (create_phase["provider"], create_phase["model"]) == ("priced", "gpt-4o")
    expected = gpt_4o.cost(create_phase["tokens_in"], create_phase["tokens_out"])
    assert create_phase["cost_usd"] == pytest.approx(expected, abs=1e-6)
    assert create_phase["cost_usd"] > 0
    assert all(
        p["cost_usd"] == 0 for p in rest
    )  # the default agents stay on the template generator
    assert answer["cost_usd"] == pytest.approx(create_phase["cost_usd"])
    qa = next(p for p in answer["phases"] if p["phase"] == "qa")
    assert qa["provider"] is None  # a tool phase calls no model


def test_approvals_over_http(gateway: TestClient, token_for: Any) -> None:
    headers = token_for("api-hitl")
    job = create(gateway, headers, approval_gates=["architect"]).json()
    wait_done(gateway, headers, job["id"], until=("waiting_approval",))

    queue = gateway.get("/api/v1/approvals", headers=headers).json()
    approval_id = queue["items"][0]["id"]
    detail = gateway.get(f"/api/v1/approvals/{approval_id}", headers=headers).json()
    intruder = gateway.post(
        f"/api/v1/approvals/{approval_id}/approve", headers=token_for("api-intruder")
    )
    approved = gateway.post(f"/api/v1/checkpoints/{approval_id}/approve", headers=headers)
    again = gateway.post(f"/api/v1/approvals/{approval_id}/approve", headers=headers)

    assert queue["counts"] == {"pending": 1}
    assert detail["phase"] == "architect"
    assert detail["output"]
    assert "task_token" not in detail
    assert intruder.status_code == 404
    assert approved.status_code == 200
    assert again.status_code == 409
    assert wait_done(gateway, headers, job["id"])["status"] == "passed"


def priced_first_phase(gateway: TestClient, admin: dict[str, str], base_url: str) -> None:
    """The team's first phase answered by a priced model (the built-in template generator is free,
    so no budget would ever stop it)."""
    provider = {"kind": "openai", "base_url": base_url, "default_model": "gpt-4o"}
    made = gateway.post("/api/v1/providers/priced", json=provider, headers=admin)
    assert made.status_code in (200, 201), made.text
    agent = {"name": "Brief", "role": "create", "llm_provider": "priced", "llm_model": "gpt-4o"}
    agent_id = gateway.post("/api/v1/agents", json=agent, headers=admin).json()["id"]
    configured = gateway.post(
        f"/api/v1/agents/config/{agent_id}", json={"phase": "create"}, headers=admin
    )
    assert configured.status_code == 200, configured.text


def test_a_budget_approval_over_http(gateway: TestClient, token_for: Any) -> None:
    admin, member = token_for("api-budget"), token_for("api-budget", "member")
    budget = {"daily_limit": 0.01, "alert_thresholds": [80]}
    assert gateway.put("/api/v1/costs/budget", json=budget, headers=admin).status_code == 200
    with fake_openai() as server:
        priced_first_phase(gateway, admin, f"{server.url}/v1")
        job = create(gateway, member).json()
        wait_done(gateway, member, job["id"], until=("waiting_approval",))

        [pending] = gateway.get("/api/v1/approvals", headers=member).json()["items"]
        detail = gateway.get(f"/api/v1/approvals/{pending['id']}", headers=member).json()
        url = f"/api/v1/approvals/{pending['id']}/approve"
        negative = gateway.post(url, json={"new_limit_usd": -1}, headers=admin)
        by_member = gateway.post(url, json={"new_limit_usd": 20}, headers=member)
        approved = gateway.post(url, json={"new_limit_usd": 20}, headers=admin)

        assert pending["kind"] == "budget"
        assert pending["budget"] == {
            "limit": "Team daily budget",
            "spent_usd": 0.0,
            "limit_usd": 0.01,
            "new_limit_usd": None,
        }
        assert detail["what"].startswith("extend the budget? The create phase stopped")
        assert detail["output"] is None
        assert_error(negative, 422)
        assert_error(by_member, 403)
        assert approved.status_code == 200
        assert approved.json()["budget"]["new_limit_usd"] == 20
        done = wait_done(gateway, member, job["id"])
    assert done["status"] == "passed"
    phases = gateway.get(f"/api/v1/jobs/{job['id']}/phases", headers=member).json()
    assert (phases[0]["phase"], phases[0]["provider"]) == ("create", "priced")
    assert phases[0]["cost_usd"] > 0
    after = gateway.get("/api/v1/costs/budget", headers=member).json()
    assert (after["daily_limit"], after["alert_thresholds"]) == (20, [80])
