"""What every benchmark shares: where the repository is, the child environment, statistics."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

# The baselines, as importable modules (their handler attribute is `handler`).
B0_MODULE = "bench.baselines.hello_b0"
B1_MODULE = "bench.baselines.hello_b1"
B0_PATH = "/hello"


_pycache: tempfile.TemporaryDirectory[str] | None = None


def pycache_dir() -> str:
    """This run's bytecode cache (removed at exit), shared by every measured interpreter."""
    global _pycache
    if _pycache is None:
        _pycache = tempfile.TemporaryDirectory(prefix="bench-pycache-")
    return _pycache.name


def child_env() -> dict[str, str]:
    """The environment of every measured interpreter: the test settings, outside Lambda.

    ``AWS_LAMBDA_FUNCTION_NAME`` is removed because libraries (Powertools among them) switch
    behaviour on it; import profiling switches are removed so that no child pays for them.
    Children run with the repository as working directory, which puts ``bench`` (the
    baselines) on their path; the project itself is installed in the venv.

    Bytecode is written and read in a cache of this run's own (``PYTHONPYCACHEPREFIX``):
    a deployed function should ship .pyc (see the no-bytecode table), so cold imports are
    timed with it, even where the shell sets ``PYTHONDONTWRITEBYTECODE``; and no
    ``__pycache__`` is left in the source tree for packaging to pick up.
    """
    env = dict(os.environ)
    for name in (
        "AWS_LAMBDA_FUNCTION_NAME",
        "PYTHONPROFILEIMPORTTIME",
        "PYTHONTRACEMALLOC",
        "PYTHONDONTWRITEBYTECODE",
    ):
        env.pop(name, None)
    env["APP_ENV"] = "test"
    env["PYTHONPYCACHEPREFIX"] = pycache_dir()
    return env


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: an observed value, never an interpolation between two."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def run_child(module: str, *args: str) -> Any:
    """Run `python -m <module> <args>` from the repository root, warnings off, and answer
    the JSON it prints last (a benchmark that needs its own emulated AWS and settings)."""
    output = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


class ChildProcess:
    """A measuring child that answers each command line with one JSON line (bench.worker,
    the event section's fan-out worlds). Its stderr goes to a file, read only if it dies."""

    def __init__(self, label: str, args: Sequence[str], env: dict[str, str]) -> None:
        self.label = label
        self.stderr = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen(
            [sys.executable, *args],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=30)
            self.stderr.seek(0)
            raise RuntimeError(
                f"{self.label} died (exit {self.process.returncode}):\n"
                + self.stderr.read()[-4000:]
            )
        payload: dict[str, Any] = json.loads(line)
        return payload

    def send(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # the child died: read() reports why, from its stderr
        return self.read()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self.stderr.close()
