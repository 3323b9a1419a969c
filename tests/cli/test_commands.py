"""Argument handling and the commands against the scripted fake API."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli.fakes import BASE, JOB_ID, NO_WAIT, FakeApi, body_of, job, phases
from tools.cli.__main__ import build_parser, main, run
from tools.cli.client import ApiClient, ApiError
from tools.cli.progress import PlainProgress
from tools.cli.watch import Polling, watch


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


def factory(*argv: str, api: FakeApi | None = None, env: dict[str, str] | None = None) -> Result:
    out, err = io.StringIO(), io.StringIO()
    environ = {"FACTORY_URL": BASE, "FACTORY_TOKEN": "tok"} if env is None else env
    code = run(
        list(argv),
        stdout=out,
        stderr=err,
        environ=environ,
        transport=(api or FakeApi()).transport(),
        polling=NO_WAIT,
    )
    return Result(code, out.getvalue(), err.getvalue())


# --- arguments ---------------------------------------------------------------------------


def test_no_command_is_a_usage_error_on_stderr() -> None:
    result = factory()
    assert result.code == 2
    assert result.out == ""
    assert "usage: factory" in result.err


def test_help_goes_to_stdout_and_exits_0() -> None:
    result = factory("generate", "--help")
    assert result.code == 0
    assert "--gate PHASE" in result.out
    assert result.err == ""


def test_reject_needs_a_reason() -> None:
    result = factory("reject", "01A")
    assert result.code == 2
    assert "--reason" in result.err


def test_connection_options_are_taken_before_and_after_the_command() -> None:
    parser = build_parser(io.StringIO(), io.StringIO())
    before = parser.parse_args(["--url", "http://a", "--timeout", "3", "jobs"])
    after = parser.parse_args(["jobs", "--url", "http://b", "--plain"])
    plain = parser.parse_args(["jobs"])
    assert (before.url, before.timeout, before.plain) == ("http://a", 3.0, False)
    assert (after.url, after.timeout, after.plain) == ("http://b", 30.0, True)
    assert (plain.url, plain.token) == (None, None)


def test_a_bad_timeout_is_refused() -> None:
    result = factory("--timeout", "0", "jobs")
    assert result.code == 2
    assert "must be more than 0" in result.err


def test_no_token_says_how_to_get_one() -> None:
    result = factory("jobs", env={"FACTORY_URL": BASE})
    assert result.code == 2
    assert result.err.startswith("error: no token: set FACTORY_TOKEN or pass --token")
    assert "Traceback" not in result.err


def test_a_bad_url_is_a_usage_error() -> None:
    result = factory("jobs", "--url", "localhost:8000")
    assert result.code == 2
    assert "must be http(s)://" in result.err


def test_main_reads_the_process_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FACTORY_TOKEN", raising=False)
    assert main(["status", "x"]) == 2
    assert "no token" in capsys.readouterr().err


# --- generate ----------------------------------------------------------------------------


def test_generate_sends_the_idea_a_title_and_only_what_was_given() -> None:
    api = FakeApi()
    result = factory(
        "generate",
        "A todo list app",
        "--platform",
        "web",
        "--features",
        "auth,notes",
        "--gate",
        "architect",
        "--gate",
        "ba,dev",
        api=api,
    )
    assert result.code == 0
    (post,) = api.sent("POST", "/api/v1/jobs")
    assert body_of(post) == {
        "name": "Todo list app",
        "description": "A todo list app",
        "platform": "web",
        "features": "auth,notes",
        "approval_gates": ["architect", "ba", "dev"],
    }
    assert len(post.headers["Idempotency-Key"]) == 36  # a fresh uuid4
    assert post.headers["Authorization"] == "Bearer tok"
    assert result.out.splitlines() == [
        f"job todo-list-app ({JOB_ID}): queued",
        "  follow it: factory status todo-list-app --wait",
    ]


def test_generate_options_and_a_chosen_idempotency_key() -> None:
    api = FakeApi()
    factory(
        "generate",
        "x",
        "--name",
        "Mine",
        "--style",
        "dark",
        "--backend",
        "rest",
        "--slug",
        "mine",
        "--max-repairs",
        "0",
        "--idempotency-key",
        "ci-42",
        api=api,
    )
    (post,) = api.sent("POST", "/api/v1/jobs")
    assert body_of(post) == {
        "name": "Mine",
        "description": "x",
        "style": "dark",
        "backend": "rest",
        "slug": "mine",
        "max_repair_attempts": 0,
    }
    assert post.headers["Idempotency-Key"] == "ci-42"


def test_an_empty_idea_is_refused_before_any_request() -> None:
    api = FakeApi()
    result = factory("generate", "   ", api=api)
    assert result.code == 2
    assert "the idea is empty" in result.err
    assert api.requests == []


def test_generate_wait_follows_to_the_pass_and_saves_the_zip(tmp_path: Path) -> None:
    api = FakeApi()
    out = tmp_path / "app.zip"
    result = factory("generate", "A todo list app", "--wait", "--out", str(out), api=api)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"job todo-list-app ({JOB_ID}): queued"
    for name in ("create", "ba", "architect", "dev", "export"):
        assert any(line.split()[2:4] == [name, "passed"] for line in lines), name
    assert "job todo-list-app passed in 2.0 s: 1,200 in / 3,400 out, $0.0123" in lines
    assert lines[-1].startswith(f"saved {out} (")
    assert zipfile.ZipFile(out).namelist() == ["index.html"]


def test_out_alone_implies_wait_and_a_missing_folder_is_caught_first(tmp_path: Path) -> None:
    api = FakeApi()
    result = factory("generate", "x", "--out", str(tmp_path / "nope" / "app.zip"), api=api)
    assert result.code == 2
    assert "is not a directory" in result.err
    assert api.requests == []
    assert factory("generate", "x", "--out", str(tmp_path / "a.zip")).code == 0
    assert (tmp_path / "a.zip").exists()


def test_a_failed_job_exits_1_with_the_error_and_the_retry_command() -> None:
    api = FakeApi(
        steps=[
            (job("queued"), phases()),
            (job("failed", "dev", error="qa: tests failed"), phases("passed", "passed", "failed")),
        ]
    )
    result = factory("generate", "x", "--wait", api=api)
    assert result.code == 1
    assert "architect  failed  1.2 s  100 in / 200 out  $0.0010: tests failed" in result.out
    assert "  failed at dev: qa: tests failed" in result.out
    assert "  retry: factory retry todo-list-app" in result.out


def test_a_cancelled_job_exits_1() -> None:
    api = FakeApi(steps=[(job("cancelled"), phases("passed", "cancelled"))])
    result = factory("status", "todo-list-app", "--wait", api=api)
    assert result.code == 1
    assert "job todo-list-app cancelled" in result.out


def test_waiting_for_approval_prints_the_approve_command() -> None:
    api = FakeApi(
        steps=[
            (job("waiting_approval", "architect"), phases("passed", "passed", "waiting_approval")),
            (job("passed"), phases(*["passed"] * 5)),
        ],
        approvals=[
            {"id": "01OTHER", "job_id": "01SOMEONEELSE", "phase": "dev", "status": "pending"},
            {"id": "01MINE", "job_id": JOB_ID, "phase": "architect", "status": "pending"},
        ],
    )
    result = factory("generate", "x", "--gate", "architect", "--wait", api=api)
    assert result.code == 0
    assert "architect waits for approval" in result.out
    assert "approve: factory approve 01MINE" in result.out
    assert "01OTHER" not in result.out


def test_an_api_error_while_watching_is_one_message() -> None:
    api = FakeApi()
    api.routes[f"GET /api/v1/jobs/{JOB_ID}"] = lambda request: httpx.Response(
        404, json={"detail": "Job not found", "request_id": "r-9"}
    )
    result = factory("generate", "x", "--wait", api=api)
    assert result.code == 2
    assert result.err == "error: 404 Not Found: Job not found\n  request id: r-9\n"


def test_ctrl_c_while_watching_says_the_job_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("tools.cli.commands.follow", interrupted)
    result = factory("generate", "x", "--wait")
    assert result.code == 130
    assert "the job goes on: factory status todo-list-app --wait" in result.err


# --- the watch loop ----------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(round(seconds, 3))


def test_polling_backs_off_while_nothing_changes_and_resets_on_progress() -> None:
    still = (job("running", "ba"), phases("passed", "running"))
    api = FakeApi(
        steps=[
            still,
            still,
            still,
            still,
            (job("running", "dev"), phases("passed", "passed")),
            (job("passed"), phases(*["passed"] * 5)),
        ]
    )
    sleep = Recorder()
    with ApiClient(BASE, "tok", transport=api.transport()) as client:
        ended = watch(
            client,
            JOB_ID,
            PlainProgress(io.StringIO()),
            polling=Polling(interval=0.5, max_interval=1.0, backoff=2),
            sleep=sleep,
        )
    assert ended.status == "passed"
    assert sleep.delays == [0.5, 1.0, 1.0, 1.0, 0.5]


def test_polling_rides_out_a_few_transient_errors() -> None:
    api = FakeApi()
    failures = iter([True, True])

    def flaky(request: httpx.Request) -> httpx.Response:
        if next(failures, False):
            raise httpx.ConnectError("refused", request=request)
        return api.handle(request)

    sleep = Recorder()
    with ApiClient(BASE, "tok", transport=httpx.MockTransport(flaky), retries=0) as client:
        ended = watch(client, JOB_ID, PlainProgress(io.StringIO()), polling=NO_WAIT, sleep=sleep)
    assert ended.status == "passed"

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with (
        ApiClient(BASE, "tok", transport=httpx.MockTransport(down), retries=0) as client,
        pytest.raises(ApiError, match="cannot reach"),
    ):
        watch(client, JOB_ID, PlainProgress(io.StringIO()), polling=NO_WAIT, sleep=sleep)


# --- the other commands ------------------------------------------------------------------


def test_jobs_lists_a_table_and_json() -> None:
    result = factory("jobs")
    assert result.out.splitlines()[0].split() == [
        "SLUG",
        "STATUS",
        "PHASE",
        "TOKENS",
        "COST",
        "CREATED",
    ]
    assert result.out.splitlines()[1].split()[:2] == ["todo-list-app", "passed"]
    assert '"slug": "todo-list-app"' in factory("jobs", "--json").out


def test_status_shows_the_job_and_its_phases() -> None:
    api = FakeApi(steps=[(job("running", "ba"), phases("passed", "running"))])
    result = factory("status", "todo-list-app", api=api)
    assert result.code == 0
    assert "status:   running" in result.out
    assert "PHASE      STATUS   TIME" in result.out


def test_approvals_queue_names_jobs_by_slug() -> None:
    api = FakeApi(
        approvals=[
            {
                "id": "01MINE",
                "job_id": JOB_ID,
                "phase": "architect",
                "status": "pending",
                "requested_at": "2026-01-01T10:00:00Z",
            }
        ]
    )
    result = factory("approvals", api=api)
    assert result.out.splitlines()[1].split()[:4] == [
        "01MINE",
        "todo-list-app",
        "architect",
        "pending",
    ]
    assert factory("approvals").out == "no pending approvals\n"


def test_approve_with_an_edited_output(tmp_path: Path) -> None:
    edited = tmp_path / "architecture.md"
    edited.write_text("# Better plan\n")
    api = FakeApi()
    api.routes["POST /api/v1/approvals/01A/approve"] = lambda request: httpx.Response(
        200, json={"id": "01A", "job_id": JOB_ID, "phase": "architect", "status": "approved"}
    )
    result = factory("approve", "01A", "--edit", str(edited), api=api)
    assert result.code == 0
    assert result.out == "approved architect (01A) with the edited output: the job goes on\n"
    assert body_of(api.requests[0]) == {"edited_output": "# Better plan\n"}
    missing = factory("approve", "01A", "--edit", str(tmp_path / "nope.md"), api=api)
    assert missing.code == 2
    assert "cannot read" in missing.err


def test_reject_sends_the_reason_and_send_back() -> None:
    api = FakeApi()
    api.routes["POST /api/v1/approvals/01A/reject"] = lambda request: httpx.Response(
        200, json={"id": "01A", "job_id": JOB_ID, "phase": "architect", "status": "revise"}
    )
    result = factory("reject", "01A", "--reason", "too big", "--send-back", api=api)
    assert result.out == "sent architect back (01A): the phase runs again\n"
    assert dict(api.requests[0].url.params) == {"reason": "too big", "send_back": "true"}


def test_reject_without_send_back_leaves_it_to_the_team_setting() -> None:
    api = FakeApi()
    api.routes["POST /api/v1/approvals/01A/reject"] = lambda request: httpx.Response(
        200, json={"id": "01A", "job_id": JOB_ID, "phase": "architect", "status": "rejected"}
    )
    result = factory("reject", "01A", "--reason", "no", api=api)
    assert result.out == "rejected architect (01A): the job fails\n"
    assert dict(api.requests[0].url.params) == {"reason": "no"}


def test_approve_a_budget_with_a_new_limit() -> None:
    api = FakeApi()
    api.routes["POST /api/v1/approvals/01B/approve"] = lambda request: httpx.Response(
        200, json={"id": "01B", "job_id": JOB_ID, "phase": "dev", "status": "approved"}
    )
    result = factory("approve", "01B", "--new-limit", "25", api=api)
    assert result.code == 0
    assert result.out == "approved dev (01B) with the limit raised to $25: the job goes on\n"
    assert body_of(api.requests[0]) == {"new_limit_usd": 25.0}


def test_cancel_and_retry() -> None:
    api = FakeApi()
    api.routes["POST /api/v1/jobs/todo/cancel"] = lambda request: httpx.Response(
        202, json={"id": JOB_ID, "slug": "todo", "status": "cancel_requested"}
    )
    api.routes["POST /api/v1/jobs/todo/retry"] = lambda request: httpx.Response(
        202, json=job("queued")
    )
    assert "stops at the next phase boundary" in factory("cancel", "todo", api=api).out
    result = factory("retry", "todo", "--from", "dev", api=api)
    assert result.out.startswith("job todo-list-app retrying from dev: queued")
    assert body_of(api.requests[-1]) == {"from_phase": "dev"}


def test_download(tmp_path: Path) -> None:
    result = factory("download", "todo-list-app", "--out", str(tmp_path / "app.zip"))
    assert result.code == 0
    assert result.out.startswith(f"saved {tmp_path / 'app.zip'} (")


def test_login_prints_export_lines_and_saves_them_privately(tmp_path: Path) -> None:
    api = FakeApi()
    api.routes["POST /api/v1/auth/token"] = lambda request: httpx.Response(
        200, json={"token": "tok-123", "team_id": "blue", "role": "member", "expires_in": 86400}
    )
    saved = tmp_path / "factory.env"
    result = factory(
        "login",
        "--admin-key",
        "secret",
        "--team",
        "blue",
        "--role",
        "member",
        "--save",
        str(saved),
        api=api,
        env={},
    )
    assert result.code == 0
    assert result.out == "export FACTORY_URL=http://127.0.0.1:8000\nexport FACTORY_TOKEN=tok-123\n"
    assert "a token for team blue (member, valid 24 h)" in result.err
    (request,) = api.requests
    assert request.headers["X-Admin-Key"] == "secret"
    assert "Authorization" not in request.headers
    assert body_of(request) == {"team_id": "blue", "role": "member"}
    assert saved.read_text() == result.out
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600


def test_login_takes_the_admin_key_from_the_environment() -> None:
    api = FakeApi()
    api.routes["POST /api/v1/auth/token"] = lambda request: httpx.Response(
        401, json={"detail": "Invalid admin key", "request_id": "r-7"}
    )
    result = factory("login", api=api, env={"ADMIN_API_KEY": "from-env"})
    assert result.code == 2
    assert api.requests[0].headers["X-Admin-Key"] == "from-env"
    assert result.err.startswith("error: 401 Unauthorized: Invalid admin key\n")
    assert factory("login", env={}).err.startswith("error: no admin key")
