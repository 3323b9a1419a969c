"""`factory` against the real local server (`python -m tools.local`) on a free port:
login, generate --wait --out, jobs, an approval gate approved from a second client while
the first waits, and a refused cancel."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.pipeline.definition import PHASE_NAMES
from tests.conftest import REPO
from tests.local_server import local_server
from tools.cli.__main__ import run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cli-e2e")]

ADMIN_KEY = "cli-e2e-admin-key-0123456789"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with local_server("factory-cli", ADMIN_API_KEY=ADMIN_KEY) as base:
        yield base


class Factory:
    """Runs `factory` in-process against the server, with the token `login` gave."""

    def __init__(self, url: str) -> None:
        self.env = {"FACTORY_URL": url}

    def __call__(self, *argv: str, out: io.StringIO | None = None) -> tuple[int, str, str]:
        stdout, stderr = out or io.StringIO(), io.StringIO()
        code = run(list(argv), stdout=stdout, stderr=stderr, environ=self.env)
        return code, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="module")
def factory(server: str) -> Factory:
    cli = Factory(server)
    code, out, err = cli("login", "--admin-key", ADMIN_KEY)
    assert code == 0, err
    exports = dict(re.findall(r"^export (\w+)=(\S+)$", out, flags=re.MULTILINE))
    assert exports["FACTORY_URL"] == server
    cli.env["FACTORY_TOKEN"] = exports["FACTORY_TOKEN"]
    return cli


def test_generate_waits_shows_every_phase_and_saves_the_zip(
    factory: Factory, tmp_path: Path
) -> None:
    # A real process with pipes: the entry point, the exit code and the non-TTY display.
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.cli",
            "generate",
            "A todo list app",
            "--platform",
            "web",
            "--features",
            "auth,notes",
            "--wait",
            "--out",
            str(tmp_path / "app.zip"),
        ],
        cwd=REPO,
        env={**os.environ, **factory.env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    # The job as first read: over the WebSocket, after subscribing, it may already run.
    assert re.fullmatch(r"job todo-list-app \(\w{26}\): (queued|running)", lines[0])
    for phase in PHASE_NAMES:
        assert any(re.match(rf"\[ *[\d.]+s\] {phase} +(passed|skipped)", ln) for ln in lines), phase
    # The template generator answered: the CLI says its tokens were not counted.
    assert re.search(
        r"^job todo-list-app passed in .+: tokens not counted, \$0\.0000", finished.stdout, re.M
    )
    assert lines[-1].startswith(f"saved {tmp_path / 'app.zip'}")
    assert "\x1b[" not in finished.stdout  # no terminal codes in a pipe
    # The ZIP holds the project in a folder named after it.
    assert "todo-list-app/index.html" in zipfile.ZipFile(tmp_path / "app.zip").namelist()

    code, out, _ = factory("jobs")
    assert code == 0
    assert re.search(r"^todo-list-app +passed +- ", out, re.MULTILINE)


def test_a_gate_is_approved_while_generate_waits(factory: Factory) -> None:
    watched = io.StringIO()
    result: list[tuple[int, str, str]] = []
    waiter = threading.Thread(
        target=lambda: result.append(
            factory(
                "generate",
                "A recipe box",
                "--platform",
                "web",
                "--features",
                "recipes",
                "--gate",
                "architect",
                "--wait",
                out=watched,
            )
        )
    )
    waiter.start()
    deadline = time.monotonic() + 20
    while not (found := re.search(r"factory approve (\w+)", watched.getvalue())):
        assert waiter.is_alive(), result
        assert time.monotonic() < deadline, watched.getvalue()
        time.sleep(0.1)
    approval_id = found.group(1)

    code, out, _ = factory("approvals")
    assert re.search(rf"^{approval_id} +recipe-box +architect +pending", out, re.MULTILINE)
    code, out, err = factory("approve", approval_id)
    assert code == 0, err
    assert out == f"approved architect ({approval_id}): the job goes on\n"

    waiter.join(timeout=30)
    assert not waiter.is_alive()
    code, output, err = result[0]
    assert code == 0, err + output
    assert "architect waits for approval" in output
    assert re.search(r"^job recipe-box passed", output, re.MULTILINE)


def test_cancel_of_a_finished_job_reports_the_conflict(factory: Factory) -> None:
    code, _, err = factory("generate", "A notes app", "--platform", "web", "--wait")
    assert code == 0, err
    code, out, err = factory("cancel", "notes-app")
    assert code == 2
    assert out == ""
    assert err.startswith(
        "error: 409 Conflict: job is passed; "
        "only a queued, running or waiting job can be cancelled\n"
    )
    assert re.search(r"^  request id: \w+$", err, re.MULTILINE)

    code, out, _ = factory("status", "notes-app")
    assert code == 0
    assert "status:   passed" in out
