"""`factory watch` / `generate --wait` over the live WebSocket, and the fallback to polling:
the CLI's real ApiClient against the local gateway (in-process) and the local runtime's
WebSocket API (tools/local/live.py), events carried by the pump to live_push.

Nothing sleeps: the watch runs in a thread and the test waits on what it shows."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from shared.auth.principal import Principal
from shared.auth.tokens import issue_token
from shared.events import publish
from shared.ids import new_id
from shared.jobs.store import create_job, update_job
from shared.settings import get_settings
from tests.factories import make_job
from tools.cli.client import ApiClient
from tools.cli.live import Live, follow, live_url
from tools.cli.models import Job
from tools.cli.progress import Snapshot
from tools.cli.watch import Polling
from tools.local.gateway import LocalGateway
from tools.local.live import LocalLive

BASE = "http://factory.test"
TIMEOUT = 10.0
# Polling must never be reached on the live path: its first wait would fail the test.
NEVER = Polling(interval=3600, max_interval=3600)


class Seen:
    """A progress view that records each snapshot and lets a test wait for one."""

    def __init__(self) -> None:
        self.snapshots: list[Snapshot] = []
        self.closed = False
        self._changed = threading.Condition()

    def update(self, snapshot: Snapshot) -> None:
        with self._changed:
            self.snapshots.append(snapshot)
            self._changed.notify_all()

    def close(self) -> None:
        self.closed = True

    def wait_for(self, count: int) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.snapshots) >= count, TIMEOUT)


@pytest.fixture
def gateway(aws: None) -> Iterator[httpx.MockTransport]:
    """The local gateway as the CLI's transport (every request answered in-process)."""
    with TestClient(LocalGateway(), base_url=BASE) as http:

        def forward(request: httpx.Request) -> httpx.Response:
            answer = http.request(
                request.method, str(request.url), headers=request.headers, content=request.content
            )
            status, headers = answer.status_code, answer.headers
            return httpx.Response(status, headers=headers, content=answer.content)

        yield httpx.MockTransport(forward)


@pytest.fixture
def team() -> str:
    return f"team-{new_id()}"


@pytest.fixture
def client(gateway: httpx.MockTransport, team: str) -> Iterator[ApiClient]:
    token = issue_token(Principal("user-1", team, "member"), ttl_seconds=900)
    with ApiClient(BASE, token, transport=gateway, retries=0) as api:
        yield api


def running_job(team: str) -> str:
    return create_job(make_job(team, f"app-{new_id().lower()}", status="running")).id


def finish(team: str, job_id: str, status: str = "passed") -> None:
    def change(job: Any) -> None:
        job.status = status

    update_job(team, job_id, change)


def test_watch_follows_a_job_over_the_websocket(
    client: ApiClient, team: str, pump: Any, aws: None
) -> None:
    job_id = running_job(team)
    notes: list[str] = []
    view = Seen()
    ended: list[Job] = []
    with LocalLive(get_settings()).running() as live:
        assert live_url(client) == live.url
        watcher = threading.Thread(
            target=lambda: ended.append(
                follow(client, job_id, view, token=client.token, polling=NEVER, note=notes.append)
            ),
            daemon=True,
        )
        watcher.start()
        assert view.wait_for(1)  # subscribed, then read the job: running
        assert view.snapshots[0].job.status == "running"

        publish("job.phase.completed", {"team_id": team, "job_id": job_id, "phase": "ba"})
        pump.drain()
        assert view.wait_for(2)  # the event moved the view: the job is read again

        finish(team, job_id)
        publish("job.completed", {"team_id": team, "job_id": job_id, "status": "completed"})
        pump.drain()
        watcher.join(TIMEOUT)

    assert not watcher.is_alive()
    assert [job.status for job in ended] == ["passed"]
    assert view.snapshots[-1].job.status == "passed"
    assert view.closed
    assert notes == []


def test_generate_wait_polls_when_the_api_names_no_websocket(
    client: ApiClient, team: str, aws: None
) -> None:
    job_id = running_job(team)
    finish(team, job_id, "failed")
    notes: list[str] = []
    view = Seen()

    job = follow(client, job_id, view, token=client.token, polling=Polling(0, 0), note=notes.append)

    assert live_url(client) is None
    assert job.status == "failed"
    assert notes == []  # nothing to fall back from: no live_url at all


def test_a_websocket_that_cannot_be_reached_falls_back_to_polling(
    client: ApiClient, team: str, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = running_job(team)
    finish(team, job_id)
    # The API names a WebSocket nothing listens on (a stopped local runtime's).
    with LocalLive(get_settings()).running() as live:
        url = live.url
    monkeypatch.setenv("LIVE_URL", url)
    notes: list[str] = []

    job = follow(
        client,
        job_id,
        Seen(),
        token=client.token,
        polling=Polling(0, 0),
        note=notes.append,
        live=Live(open_timeout=TIMEOUT),
    )

    assert job.status == "passed"
    assert len(notes) == 1
    assert notes[0].startswith("live events unavailable (")
    assert notes[0].endswith("): polling instead")


def test_factory_watch_command_prints_the_end(
    gateway: httpx.MockTransport, team: str, aws: None
) -> None:
    from tools.cli.__main__ import run

    job_id = running_job(team)
    finish(team, job_id)
    token = issue_token(Principal("user-1", team, "member"), ttl_seconds=900)
    out, err = io.StringIO(), io.StringIO()
    with LocalLive(get_settings()).running():
        code = run(
            ["watch", job_id],
            stdout=out,
            stderr=err,
            environ={"FACTORY_URL": BASE, "FACTORY_TOKEN": token},
            transport=gateway,
            polling=NEVER,
        )

    assert code == 0, err.getvalue()
    assert " passed" in out.getvalue().splitlines()[-1]
    assert err.getvalue() == ""
