"""A scripted stand-in for the API behind httpx.MockTransport: each poll of a job moves
it one step along a script, so the CLI's watch loop can be tested without a server."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tools.cli.watch import Polling

BASE = "http://factory.test"
JOB_ID = "01JOBID0000000000000000000"
PHASE_NAMES = ["create", "ba", "architect", "dev", "export"]
NO_WAIT = Polling(interval=0, max_interval=0)


def job(status: str = "queued", current: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": JOB_ID,
        "slug": "todo-list-app",
        "name": "Todo list app",
        "status": status,
        "current_phase": current,
        "platform": "web",
        "features": ["auth", "notes"],
        "tokens_in": 1200,
        "tokens_out": 3400,
        "cost_usd": 0.0123,
        "created_at": "2026-01-01T10:00:00Z",
        "started_at": "2026-01-01T10:00:01Z" if status != "queued" else None,
        "finished_at": "2026-01-01T10:00:03Z"
        if status in ("passed", "failed", "cancelled")
        else None,
        **extra,
    }


def phases(*statuses: str) -> list[dict[str, Any]]:
    """Phases with these statuses, the rest pending."""
    answer = []
    for index, name in enumerate(PHASE_NAMES):
        status = statuses[index] if index < len(statuses) else "pending"
        done = status in ("passed", "failed", "skipped")
        answer.append(
            {
                "phase": name,
                "role": name,
                "agent": {"id": f"agent-{name}", "name": f"{name} agent"} if done else None,
                "status": status,
                "started_at": "2026-01-01T10:00:01Z" if status != "pending" else None,
                "finished_at": "2026-01-01T10:00:02Z" if done else None,
                "duration_seconds": 1.25 if done else None,
                "error": "tests failed" if status == "failed" else None,
                "attempts": 1 if status != "pending" else 0,
                "tokens_in": 100 if done else 0,
                "tokens_out": 200 if done else 0,
                "cost_usd": 0.001 if done else 0.0,
                "model": "templates-1" if done else None,
                "provider": None,
            }
        )
    return answer


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", "<!doctype html>")
    return buffer.getvalue()


@dataclass
class FakeApi:
    """`steps`: (job, phases) the job goes through, one per poll of GET /jobs/{ref}; the
    last one repeats. Every request is kept in `requests` for the assertions."""

    steps: list[tuple[dict[str, Any], list[dict[str, Any]]]] = field(
        default_factory=lambda: [
            (job("queued"), phases()),
            (job("running", "ba"), phases("passed", "running")),
            (job("running", "dev"), phases("passed", "passed", "passed", "running")),
            (job("passed"), phases("passed", "passed", "passed", "passed", "passed")),
        ]
    )
    approvals: list[dict[str, Any]] = field(default_factory=list)
    download_url: str = f"{BASE}/api/v1/jobs/{JOB_ID}/download/zip"
    requests: list[httpx.Request] = field(default_factory=list)
    # Overrides by "METHOD path": a function of the request giving the response.
    routes: dict[str, Callable[[httpx.Request], httpx.Response]] = field(default_factory=dict)
    _step: int = -1

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        route = self.routes.get(f"{request.method} {path}")
        if route is not None:
            return route(request)
        current = self.steps[max(0, min(self._step, len(self.steps) - 1))]
        if request.method == "POST" and path == "/api/v1/jobs":
            return httpx.Response(202, json=self.steps[0][0])
        if request.method == "GET" and path.endswith("/phases"):
            return httpx.Response(200, json=current[1])
        if request.method == "GET" and path.endswith("/download/zip"):
            return httpx.Response(200, content=zip_bytes())
        if request.method == "GET" and path.endswith("/download"):
            return httpx.Response(200, json={"url": self.download_url, "expires_in": 900})
        if request.method == "GET" and path.startswith("/api/v1/jobs/"):
            self._step += 1
            return httpx.Response(200, json=self.steps[min(self._step, len(self.steps) - 1)][0])
        if request.method == "GET" and path == "/api/v1/jobs":
            return httpx.Response(
                200,
                json={
                    "items": [self.steps[-1][0]],
                    "total": 1,
                    "limit": 20,
                    "offset": 0,
                    "next_cursor": None,
                },
            )
        if request.method == "GET" and path == "/api/v1/approvals":
            return httpx.Response(
                200, json={"items": self.approvals, "total": len(self.approvals), "counts": {}}
            )
        return httpx.Response(404, json={"detail": "Not found", "request_id": "fake-404"})

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)
