"""`factory workflows ...`: what each sends (API.md's Workflows rows), how `run --wait`
follows a run (polling the fake API; live over a scripted socket; live over the local
runtime's WebSocket with a real run), what it prints and its exit code."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.cli.fakes import BASE, NO_WAIT, FakeApi
from tests.cli.test_commands import factory
from tools.cli.client import ApiClient
from tools.cli.live import Socket
from tools.cli.watch import Polling
from tools.cli.workflows import SUBSCRIPTIONS, LiveRun, Run, follow_run

WORKFLOW = "01WORKFLOW"
RUN = "01RUN"
RUN_PATH = f"/api/v1/workflows/{WORKFLOW}/runs/{RUN}"


def step(name: str, status: str, step_type: str = "agent_task", **extra: Any) -> dict[str, Any]:
    return {
        "step_id": f"id-{name}",
        "name": name,
        "step_type": step_type,
        "status": status,
        "output": None,
        "error": None,
        "task_id": None,
        "approval_id": None,
        **extra,
    }


def run(status: str, *steps: dict[str, Any], error: str | None = None) -> dict[str, Any]:
    return {
        "run_id": RUN,
        "workflow_id": WORKFLOW,
        "status": status,
        "error": error,
        "created_by": "01USER",
        "created_at": "2027-03-25T12:00:00Z",
        "completed_at": None if status == "running" else "2027-03-25T12:00:02Z",
        "steps": list(steps),
    }


def scripted(*answers: dict[str, Any]) -> Any:
    """Answers these in turn (the last one again after that)."""
    remaining = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=remaining.pop(0) if len(remaining) > 1 else remaining[0])

    return answer


def started(request: httpx.Request) -> httpx.Response:
    return httpx.Response(202, json={"run_id": RUN, "status": "running"})


def test_run_starts_the_workflow_and_says_how_to_follow_it() -> None:
    api = FakeApi(routes={f"POST /api/v1/workflows/{WORKFLOW}/run": started})

    result = factory("workflows", "run", WORKFLOW, api=api)

    assert result.code == 0, result.err
    assert len(api.sent("POST", f"/api/v1/workflows/{WORKFLOW}/run")) == 1
    assert f"run {RUN} of workflow {WORKFLOW}: running" in result.out
    assert f"factory workflows status {WORKFLOW} {RUN} --wait" in result.out
    assert api.sent("GET", RUN_PATH) == []  # not followed without --wait


def test_run_wait_prints_each_step_as_it_changes_and_exits_0_when_completed() -> None:
    api = FakeApi(
        routes={
            f"POST /api/v1/workflows/{WORKFLOW}/run": started,
            f"GET {RUN_PATH}": scripted(
                run("running", step("draft", "running"), step("review", "waiting")),
                run("running", step("draft", "running"), step("review", "waiting")),
                run("running", step("draft", "passed"), step("review", "running")),
                run("completed", step("draft", "passed"), step("review", "passed")),
            ),
        }
    )

    result = factory("workflows", "run", WORKFLOW, "--wait", api=api)

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines == [
        f"run {RUN} of workflow {WORKFLOW}: running",
        "  draft (agent_task): running",
        "  review (agent_task): waiting",
        "  draft (agent_task): passed",
        "  review (agent_task): running",
        "  review (agent_task): passed",
        f"run {RUN} of workflow {WORKFLOW}: completed in 2.0 s",
    ]
    assert len(api.sent("GET", RUN_PATH)) == 4


@pytest.mark.parametrize("ending", ["failed", "cancelled"])
def test_run_wait_exits_1_when_the_run_failed_or_was_cancelled(ending: str) -> None:
    failed = step("notify", "failed", "webhook", error="WebhookFailed: HTTP 500")
    after = step("after", "failed" if ending == "failed" else "cancelled")
    api = FakeApi(
        routes={
            f"POST /api/v1/workflows/{WORKFLOW}/run": started,
            f"GET {RUN_PATH}": scripted(
                run("running", step("notify", "running", "webhook"), step("after", "waiting")),
                run(ending, failed, after, error="steps failed: notify, after"),
            ),
        }
    )

    result = factory("workflows", "run", WORKFLOW, "--wait", api=api)

    assert result.code == 1
    assert "  notify (webhook): failed: WebhookFailed: HTTP 500" in result.out
    assert f"{ending} in 2.0 s (steps failed: notify, after)" in result.out


def test_status_prints_the_run_and_a_table_of_its_steps() -> None:
    api = FakeApi(
        routes={
            f"GET {RUN_PATH}": scripted(
                run(
                    "failed",
                    step("draft", "passed"),
                    step("notify", "failed", "webhook", error="WebhookFailed: HTTP 500"),
                    error="steps failed: notify",
                )
            )
        }
    )

    result = factory("workflows", "status", WORKFLOW, RUN, api=api)

    assert result.code == 0, result.err  # a read: how the run ended is in what it prints
    lines = result.out.splitlines()
    assert lines[0] == f"run {RUN} of workflow {WORKFLOW}: failed in 2.0 s (steps failed: notify)"
    assert lines[2].split() == ["step", "type", "status", "error"]
    assert lines[3].split() == ["draft", "agent_task", "passed"]
    assert lines[4].split() == ["notify", "webhook", "failed", "WebhookFailed:", "HTTP", "500"]

    as_json = factory("workflows", "status", WORKFLOW, RUN, "--json", api=api)
    assert json.loads(as_json.out)["steps"][1]["error"] == "WebhookFailed: HTTP 500"


def test_list_prints_the_teams_workflows() -> None:
    workflow = {
        "id": WORKFLOW,
        "name": "Release",
        "description": "",
        "is_template": True,
        "config": {},
        "steps": [
            {"id": "s1", "name": "draft", "step_type": "agent_task", "depends_on": []},
            {"id": "s2", "name": "ship", "step_type": "approval", "depends_on": ["s1"]},
        ],
        "created_by": "01USER",
        "created_at": "2027-03-25T12:00:00Z",
        "updated_at": "2027-03-25T12:00:00Z",
    }
    page = {"items": [workflow], "total": 1, "limit": 5, "offset": 0, "next_cursor": "c2"}
    api = FakeApi(routes={"GET /api/v1/workflows": scripted(page)})

    result = factory("workflows", "list", "--limit", "5", api=api)

    assert result.code == 0, result.err
    (sent,) = api.sent("GET", "/api/v1/workflows")
    assert sent.url.params["limit"] == "5"
    assert result.out.splitlines()[1].split() == [WORKFLOW, "Release", "2", "yes"]
    assert "factory workflows list --cursor c2" in result.out


def test_a_refused_run_exits_2_with_the_apis_reason() -> None:
    api = FakeApi(
        routes={
            f"POST /api/v1/workflows/{WORKFLOW}/run": lambda r: httpx.Response(
                422, json={"detail": "the workflow has no steps to run", "request_id": "r"}
            )
        }
    )

    result = factory("workflows", "run", WORKFLOW, "--wait", api=api)

    assert result.code == 2
    assert "the workflow has no steps to run" in result.err
    assert api.sent("GET", RUN_PATH) == []


# --- live ---------------------------------------------------------------------------------


class ScriptedSocket:
    """Answers each recv with the next scripted message (TimeoutError when none is left),
    keeping what was sent."""

    def __init__(self, *messages: dict[str, Any]) -> None:
        self.messages = [json.dumps(message) for message in messages]
        self.sent: list[dict[str, Any]] = []

    def send(self, message: str) -> None:
        self.sent.append(json.loads(message))

    def recv(self, timeout: float | None = None) -> str | bytes:
        if not self.messages:
            raise TimeoutError
        return self.messages.pop(0)


def live_api(*answers: dict[str, Any]) -> FakeApi:
    return FakeApi(
        routes={
            "GET /api/v1": lambda r: httpx.Response(200, json={"live_url": "ws://live.test/ws"}),
            f"GET {RUN_PATH}": scripted(*answers),
        }
    )


def follow_over(api: FakeApi, socket: ScriptedSocket, notes: list[str]) -> tuple[Run, list[str]]:
    @contextmanager
    def connect(url: str) -> Iterator[Socket]:
        assert url == "ws://live.test/ws?token=tok"
        yield socket

    seen: list[str] = []
    with ApiClient(BASE, "tok", transport=api.transport(), retries=0) as client:
        ended = follow_run(
            client,
            WORKFLOW,
            RUN,
            token="tok",
            polling=NO_WAIT,
            note=notes.append,
            seen=lambda read: seen.append(read.status),
            connect=connect,
            # No read but at events here: a refresh would read the script out of turn.
            live=LiveRun(refresh_seconds=3600),
        )
    return ended, seen


def event(kind: str, **data: Any) -> dict[str, Any]:
    return {"type": "event", "event": kind, "data": data}


def test_live_follow_reads_the_run_at_its_events_only() -> None:
    subscribed = [{"type": "subscribed", "event": name, "job_id": None} for name in SUBSCRIPTIONS]
    socket = ScriptedSocket(
        *subscribed,
        event("workflow.run.completed", run_id="01OTHER"),  # another run: not read
        {"type": "pong"},  # not an event: not read
        event("task.completed", task_id="01TASK"),  # may end a step: read
        event("workflow.run.completed", run_id=RUN),  # ours: read, and it ended
    )
    api = live_api(
        run("running", step("draft", "running")),
        run("running", step("draft", "passed"), step("ship", "running")),
        run("completed", step("draft", "passed"), step("ship", "passed")),
    )
    notes: list[str] = []

    ended, seen = follow_over(api, socket, notes)

    assert notes == []
    assert [sent["event"] for sent in socket.sent] == list(SUBSCRIPTIONS)
    assert ended.status == "completed"
    assert seen == ["running", "running", "completed"]
    assert len(api.sent("GET", RUN_PATH)) == 3


def test_a_refused_subscription_falls_back_to_polling() -> None:
    socket = ScriptedSocket({"type": "error", "detail": "unknown event"})
    api = live_api(
        run("running", step("draft", "running")), run("completed", step("draft", "passed"))
    )
    notes: list[str] = []

    ended, seen = follow_over(api, socket, notes)

    assert notes == ["live events unavailable (unknown event): polling instead"]
    assert ended.status == "completed"
    assert seen == ["running", "completed"]


# --- a real run on the local runtime ------------------------------------------------------


@pytest.fixture
def gateway(aws: None) -> Iterator[httpx.MockTransport]:
    from tools.local.gateway import LocalGateway

    with TestClient(LocalGateway(), base_url=BASE) as http:  # type: ignore[arg-type]

        def forward(request: httpx.Request) -> httpx.Response:
            answer = http.request(
                request.method, str(request.url), headers=request.headers, content=request.content
            )
            return httpx.Response(
                answer.status_code, headers=answer.headers, content=answer.content
            )

        yield httpx.MockTransport(forward)


def test_run_wait_follows_a_real_run_live_to_its_end(
    gateway: httpx.MockTransport, pump: Any
) -> None:
    from shared.auth.principal import Principal
    from shared.auth.tokens import issue_token
    from shared.ids import new_id
    from shared.settings import get_settings
    from tools.cli.__main__ import run as factory_run
    from tools.local.live import LocalLive

    token = issue_token(Principal("user-1", f"team-{new_id()}", "admin"), ttl_seconds=900)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(transport=gateway, base_url=f"{BASE}/api/v1", headers=headers) as http:

        def made(path: str, body: dict[str, Any]) -> str:
            answer = http.post(path, json=body)
            assert answer.status_code == 201, answer.text
            return str(answer.json()["id"])

        agent = made(
            "/agents",
            {"name": "Writer", "role": "writer", "llm_provider": "templates",
             "llm_model": "templates-1"},
        )  # fmt: skip
        workflow = made("/workflows", {"name": "Release"})
        made(
            f"/workflows/{workflow}/steps",
            {"name": "pause", "step_type": "wait", "config": {"seconds": 0}},
        )
        made(
            f"/workflows/{workflow}/steps",
            {"name": "draft", "step_type": "agent_task", "agent_id": agent,
             "config": {"instructions": "Draft the notes"}, "depends_on": ["pause"]},
        )  # fmt: skip
    out, err = io.StringIO(), io.StringIO()

    with LocalLive(get_settings()).running(), pump.running():
        code = factory_run(
            ["workflows", "run", workflow, "--wait", "--max-wait", "60"],
            stdout=out,
            stderr=err,
            environ={"FACTORY_URL": BASE, "FACTORY_TOKEN": token},
            transport=gateway,
            polling=Polling(interval=0.05, max_interval=0.2),
        )

    assert code == 0, err.getvalue()
    assert err.getvalue() == ""  # followed live: no fall back to polling
    lines = out.getvalue().splitlines()
    assert "  pause (wait): passed" in lines
    assert lines.index("  draft (agent_task): passed") > lines.index("  pause (wait): passed")
    assert lines[-1].startswith("run ")
    assert ": completed in " in lines[-1]
