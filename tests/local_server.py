"""`make dev` for real, for end-to-end tests: the local server on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.conftest import REPO

START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def local_server(prefix: str, **env: str) -> Iterator[str]:
    """`python -m tools.local` with its own resource names; yields its base URL once it
    answers /healthz, and stops it afterwards."""
    port = free_port()
    environment = {
        **os.environ,
        "APP_ENV": "local",
        "RESOURCE_PREFIX": prefix,
        "ARTIFACTS_BUCKET": f"{prefix}-artifacts",
        "EVENT_BUS_NAME": f"{prefix}-bus",
        **env,
    }
    process = subprocess.Popen(
        # The WebSocket API on any free port: port + 1 may be another test's.
        [sys.executable, "-m", "tools.local", "--port", str(port), "--live-port", "0"],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    try:
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stdout.read() if process.stdout else ""
                raise AssertionError(f"local server did not start:\n{output}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
