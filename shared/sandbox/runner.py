"""Runs user code in a child process with hard limits, and says how it ended.

Each run gets a process of its own (`child.py`, standard library only): `python -I -S`,
an empty environment, a fresh temporary directory as its working directory, a process group
of its own, its resource limits and network isolation set by itself before the code is read
(see child.py). The parent enforces the wall clock (the whole group is killed at the
deadline), reads stdout and stderr up to a cap (the rest is drained and counted, so a flood
costs the parent nothing but the reading) and takes one JSON line from a result pipe, never
from a socket. A child is used once: no state outlives a run.

A spare child is started ahead (`_Spare`): the interpreter's start (~15 ms) happens
between runs, not on the run's path; it waits on stdin with its limits and hook in place,
and its CPU limit is only spent by running.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

# Imported (it defines only) so that staging ships it with this module: it runs as a script.
from shared.sandbox import child as _child_script

CHILD = Path(_child_script.__file__)
# What the child's environment may hold: the loader's search path, which some runtimes
# (Lambda's /var/lang) need to start Python at all, and which names no secret.
PASSED_VARIABLES = ("LD_LIBRARY_PATH",)

Ending = Literal["result", "tool_request", "error"]


@dataclass(frozen=True, slots=True)
class Limits:
    timeout_seconds: float = 10.0
    memory_mb: int = 256
    # Each of stdout and stderr; beyond it the output is dropped and counted.
    output_bytes: int = 64 * 1024
    # What the code may write to one file of its temporary directory.
    file_bytes: int = 8 * 1024 * 1024
    # The result line (a result or a tool request), under Lambda's 6 MB answer.
    result_bytes: int = 2 * 1024 * 1024

    def child_limits(self) -> dict[str, int]:
        return {
            # CPU seconds: the wall clock's deadline rounded up; the parent's kill comes first
            # unless the code burns CPU in threads it cannot have anyway.
            "cpu_seconds": max(1, int(self.timeout_seconds + 0.999)),
            "memory_bytes": self.memory_mb * 1024 * 1024,
            "file_bytes": self.file_bytes,
        }


@dataclass(slots=True)
class Outcome:
    """How a run ended: `result` (a JSON value), `tool_request` (the code called a tool the
    parent has not answered) or `error` (`error_kind`: syntax, definition, exception,
    memory, timeout, result, crash; `line` in the code when known)."""

    ending: Ending
    value: Any = None
    error_kind: str | None = None
    message: str = ""
    line: int | None = None
    stdout: str = ""
    stderr: str = ""
    # The run's wall time in the parent, from sending the code to the child's end.
    duration_ms: float = 0.0
    # The tool calls the code made, answered ones included.
    tool_calls: int = 0
    isolated_network: bool = False


@dataclass(slots=True)
class _Capped:
    limit: int
    kept: bytearray = field(default_factory=bytearray)
    dropped: int = 0

    def add(self, chunk: bytes) -> None:
        room = self.limit - len(self.kept)
        if room > 0:
            self.kept += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        text = self.kept.decode("utf-8", errors="replace")
        if self.dropped:
            text += f"\n[output truncated: {self.dropped} more bytes]"
        return text


def _answered(results: _Capped) -> bool:
    """Whether the result pipe holds a complete answer (a line after the ready line)."""
    return results.kept.count(b"\n") >= 2 or (results.dropped > 0)


def _drain(streams: dict[int, _Capped]) -> None:
    for fd, capped in streams.items():
        while True:
            try:
                chunk = os.read(fd, 65536)
            except (BlockingIOError, OSError):
                break
            if not chunk:
                break
            capped.add(chunk)


class _Child:
    """One started child process, waiting for its code."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.workdir = tempfile.mkdtemp(prefix="sandbox-")
        result_read, result_write = os.pipe()
        environment = {name: os.environ[name] for name in PASSED_VARIABLES if name in os.environ}
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our interpreter, our script
                [
                    sys.executable,
                    "-I",
                    "-S",
                    "-B",
                    str(CHILD),
                    str(result_write),
                    json.dumps(limits.child_limits()),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(result_write,),
                cwd=self.workdir,
                env=environment,
                start_new_session=True,
            )
        except BaseException:
            os.close(result_read)
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise
        finally:
            os.close(result_write)
        self.result_read = result_read

    def run(self, task: dict[str, Any]) -> Outcome:
        started = time.perf_counter()
        deadline = started + self.limits.timeout_seconds
        stdout, stderr = _Capped(self.limits.output_bytes), _Capped(self.limits.output_bytes)
        results = _Capped(self.limits.result_bytes)
        timed_out = False
        process = self.process
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stderr is not None
        pending = memoryview(json.dumps(task).encode() + b"\n")
        stdin_fd = process.stdin.fileno()
        streams = {process.stdout.fileno(): stdout, process.stderr.fileno(): stderr}
        streams[self.result_read] = results
        for fd in (*streams, stdin_fd):
            os.set_blocking(fd, False)
        with selectors.DefaultSelector() as selector:
            for fd in streams:
                selector.register(fd, selectors.EVENT_READ)
            selector.register(stdin_fd, selectors.EVENT_WRITE)
            open_streams = len(streams)
            while open_streams:
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    timed_out = True
                    break
                for key, _ in selector.select(remaining):
                    fd = key.fd
                    if fd == stdin_fd:
                        try:
                            written = os.write(fd, pending)
                        except (BrokenPipeError, BlockingIOError) as exc:
                            written = 0 if isinstance(exc, BlockingIOError) else len(pending)
                        pending = pending[written:]
                        if not pending:
                            selector.unregister(fd)
                            process.stdin.close()
                        continue
                    try:
                        chunk = os.read(fd, 65536)
                    except BlockingIOError:
                        continue
                    if chunk:
                        streams[fd].add(chunk)
                    else:
                        selector.unregister(fd)
                        open_streams -= 1
                    if fd == self.result_read and _answered(results):
                        # The child flushed its output before answering: take what the
                        # pipes hold, without waiting for its exit (a namespace's teardown).
                        _drain(streams)
                        break
                else:
                    continue
                break
        self._end()
        duration_ms = (time.perf_counter() - started) * 1000
        outcome = self._outcome(results, timed_out)
        outcome.stdout, outcome.stderr = stdout.text(), stderr.text()
        outcome.duration_ms = duration_ms
        return outcome

    def _outcome(self, results: _Capped, timed_out: bool) -> Outcome:
        lines = bytes(results.kept).splitlines()
        ready: dict[str, Any] = {}
        answer: dict[str, Any] | None = None
        for raw in lines:
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if isinstance(message, dict) and message.get("ready"):
                ready = message
            elif isinstance(message, dict):
                answer = message
        isolated = bool(ready.get("isolated_network"))
        seconds = f"{self.limits.timeout_seconds:g}"
        # The CPU limit's signals, when the child did not answer first (the parent kills
        # every child with SIGKILL once done).
        cpu_limit = answer is None and self.process.returncode in (-signal.SIGXCPU, -signal.SIGKILL)
        if timed_out or cpu_limit:
            return Outcome(
                "error",
                error_kind="timeout",
                message=f"the code ran longer than its time limit ({seconds} s)",
                isolated_network=isolated,
            )
        if results.dropped:
            return Outcome(
                "error",
                error_kind="result",
                message=f"the result is larger than {self.limits.result_bytes} bytes",
                isolated_network=isolated,
            )
        if answer is None:
            return Outcome(
                "error",
                error_kind="crash",
                message=f"the code's process ended without a result "
                f"(exit status {self.process.returncode})",
                isolated_network=isolated,
            )
        calls = answer.get("tool_calls")
        tool_calls = calls if isinstance(calls, int) else 0
        if "result" in answer:
            return Outcome(
                "result", value=answer["result"], tool_calls=tool_calls, isolated_network=isolated
            )
        if "tool_request" in answer:
            return Outcome(
                "tool_request",
                value=answer["tool_request"],
                tool_calls=tool_calls,
                isolated_network=isolated,
            )
        error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
        assert isinstance(error, dict)
        line = error.get("line")
        kind = str(error.get("kind") or "crash")
        if kind == "memory":
            message = f"the code ran out of memory (limit {self.limits.memory_mb} MB)"
        else:
            message = str(error.get("message") or "")
        return Outcome(
            "error",
            error_kind=kind,
            message=message,
            line=line if isinstance(line, int) else None,
            isolated_network=isolated,
        )

    def _end(self) -> None:
        """The whole process group killed (whatever the code left behind), the process
        reaped, the pipes closed and the temporary directory removed."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None and not stream.closed:
                stream.close()
        os.close(self.result_read)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def discard(self) -> None:
        self._end()


class _Spare:
    """At most one started child per set of limits, taken by the next run with the same
    limits (concurrent runs, as `make dev` has, each take or start their own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._child: _Child | None = None

    def take(self, limits: Limits) -> _Child:
        with self._lock:
            child, self._child = self._child, None
        if child is not None and child.limits == limits and child.process.poll() is None:
            return child
        if child is not None:
            child.discard()
        return _Child(limits)

    def refill(self, limits: Limits) -> None:
        with self._lock:
            if self._child is not None:
                return
            self._child = _Child(limits)

    def discard(self) -> None:
        with self._lock:
            child, self._child = self._child, None
        if child is not None:
            child.discard()


_spare = _Spare()


def run(
    code: str,
    input_dict: Any,
    *,
    tool_results: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
    limits: Limits = Limits(),
    keep_spare: bool = True,
) -> Outcome:
    """Run `code`'s `run(input_dict, tools)` once in a fresh child process. `tool_results`
    answers the code's first tool calls, in order ({"request", "result"} each)."""
    child = _spare.take(limits)
    try:
        outcome = child.run({"code": code, "input": input_dict, "tool_results": list(tool_results)})
    finally:
        if keep_spare:
            # Started beside the answer, not before it: the fork and exec are off the path.
            threading.Thread(target=_spare.refill, args=(limits,), daemon=True).start()
    return outcome


def discard_spare() -> None:
    """End the waiting spare child (tests and shutdown)."""
    _spare.discard()
