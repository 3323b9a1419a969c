"""The sandbox is a boundary: each limit proven through the real child process, through
the same path the groups take (shared.sandbox.client -> emulated Lambda -> the sandbox's
handler -> the child), and the next run answers normally after each."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from shared.costs.models import CallItem, ledger_partition
from shared.ids import new_id
from shared.sandbox import runner
from shared.sandbox.broker import ToolFailed
from shared.sandbox.client import (
    CodeDefinitionInvalid,
    CodeFailed,
    CodeOutOfMemory,
    CodeSyntaxInvalid,
    CodeTimedOut,
    InputInvalid,
    OutputInvalid,
    ResultNotJson,
    SchemaInvalid,
    check_syntax,
    run_code,
)

ECHO = "def run(input_dict, tools):\n    return {'echo': input_dict}\n"


@pytest.fixture
def team(aws: None) -> str:
    return f"team-{new_id()}"


@pytest.fixture(autouse=True)
def _no_spare_left() -> Iterator[None]:
    yield
    runner.discard_spare()


def run(team: str, code: str, input_dict: Any = None, **options: Any) -> Any:
    return run_code(team_id=team, actor="user-1", code=code, input_dict=input_dict, **options)


def answers_next(team: str) -> None:
    """The sandbox still serves: a plain run answers as it should."""
    assert run(team, ECHO, {"n": 1}).result == {"echo": {"n": 1}}


def test_a_run_answers_the_result_and_the_output(team: str) -> None:
    # Given code that prints and computes
    code = "def run(input_dict, tools):\n    print('hello')\n    return sum(input_dict['xs'])\n"
    # When it runs
    done = run(team, code, {"xs": [1, 2, 3]})
    # Then its result and stdout come back, and how long it took
    assert done.result == 6
    assert done.stdout == "hello\n"
    assert done.duration_ms > 0
    assert done.tool_calls == []


def test_async_run_is_awaited(team: str) -> None:
    code = (
        "import asyncio\nasync def run(i, tools):\n    await asyncio.sleep(0)\n    return i * 2\n"
    )
    assert run(team, code, 21).result == 42


def test_an_infinite_loop_ends_with_a_timeout(team: str) -> None:
    with pytest.raises(CodeTimedOut, match=r"time limit \(1 s\)"):
        run(team, "def run(i, tools):\n    while True:\n        pass\n", timeout_seconds=1.0)
    answers_next(team)


@pytest.mark.parametrize(
    "body",
    ["x = bytearray(10**10)", "x = []\n    while True:\n        x.append(' ' * 10000)"],
    ids=["one-huge-allocation", "growing-list"],
)
def test_a_memory_bomb_ends_with_a_memory_error(team: str, body: str) -> None:
    with pytest.raises(CodeOutOfMemory, match="out of memory"):
        run(team, f"def run(i, tools):\n    {body}\n")
    answers_next(team)


def test_a_socket_cannot_be_opened_nor_reach_a_server_on_loopback(team: str) -> None:
    # Given a server on loopback the code is told about
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted: list[Any] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            accepted.append(server.accept())

    waiter = threading.Thread(target=accept)
    waiter.start()
    try:
        # When the code creates a socket, or connects to the server
        for statement in (
            "socket.socket()",
            f"socket.create_connection(('127.0.0.1', {port}), timeout=1)",
            "socket.socket(socket.AF_UNIX).connect('/var/run/docker.sock')",
        ):
            code = f"import socket\ndef run(i, tools):\n    {statement}\n    return 'connected'\n"
            # Then the code fails on that line
            with pytest.raises(CodeFailed, match=r"PermissionError: .*\(line 3\)"):
                run(team, code)
    finally:
        waiter.join()
        server.close()
    # And the server saw no connection
    assert accepted == []
    answers_next(team)


def test_the_code_sees_none_of_the_hosts_environment(
    team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a secret in this process's environment
    monkeypatch.setenv("SANDBOX_CANARY_SECRET", "do-not-leak")
    # When the code reads its environment
    done = run(team, "import os\ndef run(i, tools):\n    return dict(os.environ)\n")
    # Then it holds nothing (AWS credentials included)
    assert done.result == {}
    # And the host's process environment cannot be read through /proc
    for path in (f"/proc/{os.getpid()}/environ", "/proc/self/environ", "/proc/1/environ"):
        code = f"def run(i, tools):\n    return open({path!r}).read()\n"
        with pytest.raises(CodeFailed, match="not allowed in the sandbox"):
            run(team, code)
    answers_next(team)


@pytest.mark.parametrize(
    "statement",
    [
        "os.fork()",
        "subprocess.run(['true'])",
        "os.system('true')",
        "os.execv('/bin/true', ['true'])",
        "os.kill(os.getppid(), 9)",
        "import ctypes",
    ],
)
def test_no_process_signal_or_native_code(team: str, statement: str) -> None:
    code = f"import os, subprocess\ndef run(i, tools):\n    {statement}\n    return 'escaped'\n"
    with pytest.raises(CodeFailed, match="not allowed in the sandbox"):
        run(team, code)
    answers_next(team)


def test_writes_outside_the_working_directory_are_refused(team: str, tmp_path: Any) -> None:
    target = tmp_path / "written"
    code = f"def run(i, tools):\n    open({str(target)!r}, 'w').write('x')\n"
    with pytest.raises(CodeFailed, match="not allowed in the sandbox: write"):
        run(team, code)
    assert not target.exists()
    # Its own directory is writable
    own = (
        "def run(i, tools):\n    open('a.txt', 'w').write('ok')\n    return open('a.txt').read()\n"
    )
    assert run(team, own).result == "ok"


def test_a_print_flood_is_capped(team: str) -> None:
    code = "def run(i, tools):\n    for _ in range(200_000):\n        print('x' * 100)\n"
    done = run(team, code)
    assert done.result is None
    kept, _, note = done.stdout.rpartition("\n[output truncated: ")
    assert len(kept) == runner.Limits().output_bytes
    assert note == f"{200_000 * 101 - runner.Limits().output_bytes} more bytes]"
    answers_next(team)


def test_syntax_error_names_the_line_without_running(team: str) -> None:
    with pytest.raises(CodeSyntaxInvalid, match=r"^code: line 2: "):
        check_syntax("def run(i, tools):\n    return (\n")
    with pytest.raises(CodeSyntaxInvalid, match=r"line 2"):
        run(team, "def run(i, tools):\n    return (\n")
    with pytest.raises(CodeDefinitionInvalid, match=r"run\(input_dict, tools\)"):
        check_syntax("def main():\n    return 1\n")


def test_the_input_and_output_schemas_are_checked(team: str) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    with pytest.raises(InputInvalid, match=r"input: 'x' is not of type 'integer' \(at /n\)"):
        run(team, ECHO, {"n": "x"}, input_schema=schema)
    with pytest.raises(OutputInvalid, match="output: "):
        run(team, ECHO, {"n": 1}, output_schema={"type": "string"})
    with pytest.raises(SchemaInvalid, match="input_schema: not a valid JSON Schema"):
        run(team, ECHO, {}, input_schema={"type": "no-such-type"})
    done = run(team, ECHO, {"n": 1}, input_schema=schema, output_schema={"type": "object"})
    assert done.result == {"echo": {"n": 1}}


def test_a_result_that_is_not_json_is_refused(team: str) -> None:
    with pytest.raises(ResultNotJson, match="not JSON"):
        run(team, "def run(i, tools):\n    return {1, 2}\n")


def test_an_exception_names_its_line(team: str) -> None:
    with pytest.raises(CodeFailed, match=r"ZeroDivisionError: division by zero \(line 3\)"):
        run(team, "def run(i, tools):\n    x = 1\n    return x / 0\n")


def test_tools_llm_goes_through_the_router_and_is_metered(team: str) -> None:
    # Given code that asks the model twice (the team has no provider: the template generator)
    code = (
        "def run(i, tools):\n"
        "    first = tools.llm('Say hello')\n"
        "    second = tools.llm('Again', system='Be brief')\n"
        "    return [first, second]\n"
    )
    # When it runs
    done = run(team, code)
    # Then both answers reached the code, and each call is in the team's ledger
    assert [len(text) > 0 for text in done.result] == [True, True]
    assert [(call.name, call.type) for call in done.tool_calls] == [("llm", "llm")] * 2
    calls = list(CallItem.query(ledger_partition(team), CallItem.sk.startswith("CALL#code-")))
    assert len(calls) == 2
    assert {call.user_id for call in calls} == {"user-1"}


def test_an_undeclared_tool_fails_the_run(team: str) -> None:
    with pytest.raises(ToolFailed, match="does not declare"):
        run(team, "def run(i, tools):\n    return tools.call('search', q='x')\n")
