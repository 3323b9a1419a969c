"""The child process that runs one piece of user code, then exits (never imported).

Started by `shared.sandbox.runner` as `python -I -S -B child.py <result fd> <limits JSON>`
with an empty environment, in a fresh temporary directory, in a process group of its own.
It uses the standard library only (-I -S: no site-packages, no PYTHON* variables), and
before it reads the code it:

1. lowers its resource limits (CPU seconds, address space, file size, open files, no new
   processes, no core file): the kernel enforces them whatever the code does;
2. moves into a new user and network namespace when the kernel lets it (a network
   namespace holds only a loopback interface that is down: nothing to connect to; Lambda
   refuses unshare, and there the function's VPC has no route out);
3. installs an audit hook (PEP 578) that refuses sockets that could reach anything,
   processes (fork, exec, subprocess, spawn, system), signals to other processes, ctypes,
   reading /proc and /sys, writing outside its temporary directory, and the introspection
   that could reach the hook's own state. Audit hooks are not a boundary on their own (the
   docs say so): the limits, the namespace and the function's role are; the hook makes
   the common escapes fail loudly and early.

Then it reads one JSON line from stdin (`code`, `input`, `tool_results`), runs
`run(input_dict, tools)` and writes one JSON line to the result pipe: `{"result": ...}`,
`{"tool_request": ...}` (a tool the parent has not answered yet: see
`shared.sandbox.broker` for why tools are replayed) or `{"error": {"kind", "message",
"line"}}`. The code's own stdout and stderr are the process's, which the parent reads and
caps.
"""

import json
import os
import resource
import sys
import time

CODE_FILENAME = "<agent>"
# Events refused outright: processes, signals, native code, and what could reach the
# hook's own state (frames and the garbage collector's object lists).
REFUSED_EVENTS = frozenset(
    {
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "os.startfile",
        "pty.spawn",
        "os.kill",
        "os.killpg",
        "signal.pthread_kill",
        "ctypes.dlopen",
        "ctypes.dlsym",
        "ctypes.cdata",
        "ctypes.call_function",
        "socket.bind",
        "socket.connect",
        "socket.sendto",
        "socket.sendmsg",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.gethostname",
        "socket.sethostname",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "sys._current_frames",
        "sys._current_exceptions",
        "sys.setprofile",
        "sys.settrace",
        "os.putenv",
        "os.unsetenv",
        "os.chdir",
        "os.chroot",
        "resource.setrlimit",
        "resource.prlimit",
    }
)
REFUSED_MODULES = frozenset({"ctypes", "_ctypes", "_testcapi", "_xxsubinterpreters"})
# Path events that change the file system: allowed inside the temporary directory only.
WRITE_EVENTS = frozenset(
    {
        "os.remove",
        "os.rename",
        "os.rmdir",
        "os.mkdir",
        "os.symlink",
        "os.link",
        "os.chmod",
        "os.chown",
        "os.truncate",
        "os.utime",
        "os.chflags",
        "os.lchflags",
        "os.mkfifo",
        "os.mknod",
        "os.setxattr",
        "os.removexattr",
        "shutil.rmtree",
        "shutil.move",
        "shutil.copyfile",
        "shutil.copytree",
    }
)
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def set_limits(limits: dict) -> None:
    cpu = int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = int(limits["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    size = int(limits["file_bytes"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (32, 32))
    # No new process (nor thread) for this user while the limit is below its count.
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def isolate_network() -> bool:
    """A new user namespace (so an unprivileged process may make the rest) and a new,
    empty network namespace; False where the kernel refuses (Lambda, some containers)."""
    uid, gid = os.getuid(), os.getgid()
    try:
        os.unshare(os.CLONE_NEWUSER | os.CLONE_NEWNET)
    except (AttributeError, OSError):
        return False
    # Map our own ids, so files we create in the temporary directory have an owner.
    try:
        for name, text in (
            ("uid_map", f"{uid} {uid} 1"),
            ("setgroups", "deny"),
            ("gid_map", f"{gid} {gid} 1"),
        ):
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)
    except OSError:
        pass
    return True


def install_hook(workdir: str) -> None:
    # Everything the hook reads is bound here, immutable: the code cannot change the hook's
    # rules by replacing a builtin, a module attribute or a global.
    def hook(
        event,
        args,
        refused=REFUSED_EVENTS,
        refused_modules=REFUSED_MODULES,
        write_events=WRITE_EVENTS,
        write_flags=WRITE_FLAGS,
        write_modes="wax+",
        any=any,
        root=workdir + os.sep,
        sep=os.sep,
        fspath=os.fspath,
        abspath=os.path.abspath,
        isinstance=isinstance,
        int=int,
        str=str,
        bytes=bytes,
        PathLike=os.PathLike,
        PermissionError=PermissionError,
        af_unix=1,
    ):
        if event in refused:
            raise PermissionError(f"not allowed in the sandbox: {event}")
        if event == "import":
            name = args[0]
            if isinstance(name, str) and name.partition(".")[0] in refused_modules:
                raise PermissionError(f"not allowed in the sandbox: import {name}")
        elif event == "socket.__new__":
            # asyncio's event loop wakes itself through a socketpair (AF_UNIX); no socket
            # may bind, connect or send to an address (refused above).
            if args[1] != af_unix:
                raise PermissionError("not allowed in the sandbox: a network socket")
        elif event == "open":
            path, mode, flags = args
            if path is None or isinstance(path, int):
                return
            raw = fspath(path)
            full = abspath(raw.decode() if isinstance(raw, bytes) else raw)
            if full.startswith(("/proc/", "/sys/")) or full in ("/proc", "/sys"):
                raise PermissionError(f"not allowed in the sandbox: open {full}")
            writing = (isinstance(mode, str) and any(c in write_modes for c in mode)) or (
                isinstance(flags, int) and flags & write_flags
            )
            if writing and not (full + sep).startswith(root) and full != "/dev/null":
                raise PermissionError(f"not allowed in the sandbox: write {full}")
        elif event in write_events:
            for path in args:
                if isinstance(path, (str, bytes, PathLike)):
                    raw = fspath(path)
                    text = raw.decode() if isinstance(raw, bytes) else raw
                    if not (abspath(text) + sep).startswith(root):
                        raise PermissionError(f"not allowed in the sandbox: {event} {text}")

    sys.addaudithook(hook)


class Tools:
    """`tools` as the code sees it. Each call is answered from the results the parent sent,
    in order; the first call beyond them ends this run with a tool request."""

    def __init__(self, recorded: list, emit) -> None:
        self._recorded = recorded
        self._emit = emit
        self._index = 0

    def call(self, name: str, **arguments):
        if not isinstance(name, str):
            raise TypeError("tools.call: the tool's name must be a string")
        return self._request({"name": name, "arguments": arguments})

    def llm(self, prompt: str, system: str | None = None) -> str:
        if not isinstance(prompt, str) or not (system is None or isinstance(system, str)):
            raise TypeError("tools.llm: prompt and system must be strings")
        return self._request({"name": "llm", "arguments": {"prompt": prompt, "system": system}})

    def _request(self, request: dict):
        try:
            request = json.loads(json.dumps(request, allow_nan=False))
        except (TypeError, ValueError):
            raise TypeError(f"tool {request['name']!r}: its arguments must be JSON") from None
        index = self._index
        self._index += 1
        if index < len(self._recorded):
            recorded = self._recorded[index]
            if recorded["request"] != request:
                raise RuntimeError(
                    "the code's tool calls differ from its earlier run (each run of the "
                    f"code must make the same calls in the same order): call {index + 1}"
                )
            return recorded["result"]
        # Not answered yet: ask the parent, and end here (the next run replays up to here).
        self._emit({"tool_request": request, "tool_calls": index})
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def user_line(tb) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == CODE_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def run(task: dict, emit) -> dict:
    try:
        compiled = compile(task["code"], CODE_FILENAME, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return error("syntax", exc.msg, exc.lineno)
    except (ValueError, MemoryError) as exc:
        return error("syntax", str(exc), None)
    namespace = {"__name__": "agent", "__builtins__": __builtins__}
    tools = Tools(task.get("tool_results") or [], emit)
    started = time.perf_counter()
    try:
        exec(compiled, namespace)  # noqa: S102 - what this process is for
        entry = namespace.get("run")
        if not callable(entry):
            return error("definition", "the code defines no function run(input_dict, tools)", None)
        value = entry(task["input"], tools)
        if hasattr(value, "__await__"):
            import asyncio

            value = asyncio.run(value)
    except MemoryError:
        return error("memory", "the code ran out of memory", None)
    except RecursionError as exc:
        return error("exception", f"RecursionError: {exc}", user_line(exc.__traceback__))
    except SystemExit:
        return error("exception", "the code called exit()", None)
    except BaseException as exc:
        message = f"{type(exc).__name__}: {exc}"[:2000]
        return error("exception", message, user_line(exc.__traceback__))
    duration = (time.perf_counter() - started) * 1000
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return error("result", f"the result is not JSON: {exc}", None)
    except RecursionError:
        return error("result", "the result is not JSON: nested too deeply", None)
    return {"result_json": text, "tool_calls": tools._index, "code_ms": duration}


def error(kind: str, message: str, line) -> dict:
    return {"error": {"kind": kind, "message": message, "line": line}}


def main() -> None:
    result_fd = int(sys.argv[1])
    limits = json.loads(sys.argv[2])
    workdir = os.getcwd()
    out = os.fdopen(result_fd, "w", encoding="utf-8")

    def emit(message: dict) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    set_limits(limits)
    isolated = isolate_network()
    os.environ.clear()
    install_hook(workdir)
    emit({"ready": True, "isolated_network": isolated})
    line = sys.stdin.readline()
    if not line:
        return
    task = json.loads(line)
    outcome = run(task, emit)
    sys.stdout.flush()
    sys.stderr.flush()
    if "result_json" in outcome:
        # The value is already JSON: written as is, not parsed and dumped again.
        out.write(
            '{"result": '
            + outcome["result_json"]
            + f', "tool_calls": {outcome["tool_calls"]}, "code_ms": {outcome["code_ms"]:.3f}}}\n'
        )
        out.flush()
    else:
        emit(outcome)
    # No interpreter shutdown to wait for: everything is written.
    os._exit(0)


if __name__ == "__main__":
    main()
