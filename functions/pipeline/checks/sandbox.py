"""Running generated code: in a subprocess, in a throwaway directory, with no secrets.

Generated code is never imported into our process. It runs in a child with its own
session (so a timeout kills everything it started), an environment built from an
allow-list (no AWS credentials, tokens or settings of ours), HOME and TMPDIR inside the
throwaway directory, and its output captured to a file and read back capped.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import site
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from shared.llm.files import UnsafePath, safe_relative_path

OUTPUT_LIMIT = 256 * 1024
# Packages the generated Python tests need from our runtime (the dependency layer in Lambda).
_TEST_DEPENDENCIES = ("pytest", "fastapi", "httpx")


@dataclass(frozen=True, slots=True)
class Workspace:
    root: Path  # private scratch space: output, reports, TMPDIR
    project: Path  # the generated tree, the child's working directory
    skipped: tuple[str, ...]  # paths refused as unsafe


@dataclass(frozen=True, slots=True)
class RunResult:
    returncode: int | None  # None when the run was killed for time
    output: str  # stdout and stderr, interleaved, at most OUTPUT_LIMIT bytes
    timed_out: bool


@contextmanager
def workspace(files: Mapping[str, str]) -> Iterator[Workspace]:
    """The tree written to a fresh temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="factory-check-") as tmp:
        root = Path(tmp)
        project = root / "project"
        project.mkdir()
        (root / "tmp").mkdir()
        skipped = []
        for raw_path, text in sorted(files.items()):
            try:
                path = safe_relative_path(raw_path)
            except UnsafePath:
                skipped.append(raw_path)
                continue
            target = project / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        yield Workspace(root=root, project=project, skipped=tuple(skipped))


def _dependency_paths() -> list[str]:
    """Where the test dependencies live, when the child would not find them by itself.

    In a virtualenv they are in the interpreter's own site-packages; in Lambda they come
    from the layer (`/opt/python`), which only our process's path knows about.
    """
    defaults = {str(Path(p).resolve()) for p in site.getsitepackages()}
    paths: list[str] = []
    for name in _TEST_DEPENDENCIES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        directory = str(Path(spec.origin).resolve().parent.parent)
        if directory not in defaults and directory not in paths:
            paths.append(directory)
    return paths


def clean_environment(ws: Workspace) -> dict[str, str]:
    """An allow-listed environment: nothing of ours (credentials, tokens, settings) leaks."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(ws.project),
        "TMPDIR": str(ws.root / "tmp"),
        "PYTHONPATH": os.pathsep.join([str(ws.project), *_dependency_paths()]),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        # Unbuffered, so output written before a timeout kill is not lost; the fault
        # handler prints the stacks when a timeout aborts the child.
        "PYTHONUNBUFFERED": "1",
        "PYTHONFAULTHANDLER": "1",
        # Wide enough that pytest does not cut its one-line failure summaries short.
        "COLUMNS": "240",
        # Only pytest's own plugins: ours are not the generated project's (and load slowly).
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    # The interpreter may need it to find its own shared libraries (Lambda's does).
    if "LD_LIBRARY_PATH" in os.environ:
        env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
    return env


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    # The child leads its own session, so its group id is its pid: this ends exactly
    # what it started (a hung test's own children included), nothing else.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    _await_group_gone(process.pid)


def _await_group_gone(group: int, *, limit_seconds: float = 2.0) -> None:
    """Wait until no member of `group` still runs: SIGKILL is delivered asynchronously,
    and on a busy machine a killed grandchild can still be on a CPU when killpg returns.
    A member reparented to an init that never reaps it stays a zombie, which is dead."""
    deadline = time.monotonic() + limit_seconds
    while _live_members(group) and time.monotonic() < deadline:
        time.sleep(0.01)


def _live_members(group: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after ')'.
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended while we looked
        if len(fields) > 2 and fields[2] == str(group) and fields[0] not in ("Z", "X"):
            return True
    return False


def _dump_stacks(process: subprocess.Popen[bytes]) -> None:
    """Ask a stuck Python child where it is: faulthandler prints every thread's stack on
    SIGABRT (pytest enables it; PYTHONFAULTHANDLER does for the rest), so a timeout can
    name the line that hung."""
    with suppress(ProcessLookupError, PermissionError):
        os.kill(process.pid, signal.SIGABRT)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=2)


def run(args: list[str], ws: Workspace, *, timeout_seconds: float) -> RunResult:
    """`args` run in the project directory with a clean environment and a time limit."""
    output_path = ws.root / "output.log"
    with output_path.open("w+b") as output:
        process = subprocess.Popen(  # noqa: S603 - a fixed argv of ours, no shell
            args,
            cwd=ws.project,
            env=clean_environment(ws),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        timed_out = False
        try:
            returncode: int | None = process.wait(timeout=timeout_seconds)
        except subprocess.TimeoutExpired:
            timed_out, returncode = True, None
            _dump_stacks(process)
            _kill_group(process)
            process.wait()
        finally:
            # Leave nothing behind (a background process the tests spawned, say).
            _kill_group(process)
        output.seek(0)
        text = output.read(OUTPUT_LIMIT).decode("utf-8", errors="replace")
    # Paths inside the throwaway directory mean nothing to a reader: make them relative.
    text = text.replace(f"{ws.project}/", "").replace(str(ws.root), "<sandbox>")
    return RunResult(returncode=returncode, output=text, timed_out=timed_out)
