"""POST /agents/run-code over HTTP (the agents group's app, with tokens, over emulated AWS):
the code runs in the sandbox worker's child process, never in the group's; each limit is a
422 naming it, and the group answers the next request normally."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from functions.agents.app import app
from shared.auth.principal import Principal
from shared.auth.tokens import issue_token
from shared.ids import new_id
from shared.sandbox import runner
from tests.factories import assert_error

PATH = "/api/v1/agents/run-code"
ECHO = "def run(input_dict, tools):\n    print('ran')\n    return {'got': input_dict}\n"


@pytest.fixture(scope="module")
def client(aws: None) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    runner.discard_spare()


@pytest.fixture
def member() -> dict[str, str]:
    principal = Principal(subject=f"user-{new_id()}", team_id=f"run-code-{new_id()}", role="member")
    return {"Authorization": f"Bearer {issue_token(principal, ttl_seconds=600)}"}


def post(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post(PATH, headers=headers, json=body)


def test_a_member_runs_code_and_gets_its_result_and_output(
    client: TestClient, member: dict[str, str]
) -> None:
    answer = post(client, member, code=ECHO, inputDict={"n": 1})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["result"] == {"got": {"n": 1}}
    assert body["stdout"] == "ran\n"
    assert body["stderr"] == ""
    assert body["duration_ms"] > 0
    assert body["tool_calls"] == []
    assert body["cost_usd"] == 0


def test_input_dict_is_accepted_in_snake_case(client: TestClient, member: dict[str, str]) -> None:
    answer = post(client, member, code=ECHO, input_dict=[1, 2])
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"] == {"got": [1, 2]}


def test_code_that_does_not_parse_is_422_naming_the_line(
    client: TestClient, member: dict[str, str]
) -> None:
    answer = post(client, member, code="def run(i, tools):\n    return 1 +\n", inputDict={})
    assert_error(answer, 422)
    assert answer.json()["detail"].startswith("code: line 2: ")


def test_input_not_matching_the_schema_is_422(client: TestClient, member: dict[str, str]) -> None:
    schema = {"type": "object", "required": ["city"]}
    answer = post(client, member, code=ECHO, inputDict={"town": "x"}, input_schema=schema)
    assert_error(answer, 422)
    assert answer.json()["detail"] == "input: 'city' is a required property"


def test_each_limit_is_422_naming_it_and_the_next_run_answers(
    client: TestClient, member: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The code's time limit is the one under test: 1 s rather than the default 10 s.
    from shared.sandbox import client as sandbox_client

    real = sandbox_client.run_code
    monkeypatch.setattr(
        "functions.agents.run_code_routes.run_code",
        lambda **kwargs: real(**kwargs, timeout_seconds=1.0),
    )
    monkeypatch.setenv("RUN_CODE_CANARY", "host-secret")
    cases = {
        "while True:\n        pass": "time limit (1 s)",
        "x = bytearray(10**10)": "out of memory",
        "import socket\n    socket.socket()": "not allowed in the sandbox: a network socket",
        "import os\n    os.fork()": "not allowed in the sandbox: os.fork",
        f"return open('/proc/{os.getpid()}/environ').read()": "not allowed in the sandbox",
        "return {1}": "not JSON",
    }
    for body, named in cases.items():
        answer = post(client, member, code=f"def run(i, tools):\n    {body}\n", inputDict={})
        assert_error(answer, 422)
        assert named in answer.json()["detail"], answer.json()
        # The group still answers
        after = post(client, member, code=ECHO, inputDict=1)
        assert after.status_code == 200, after.text
    env = post(client, member, code="import os\ndef run(i, t):\n    return dict(os.environ)\n")
    assert env.json()["result"] == {}


def test_a_print_flood_is_capped(client: TestClient, member: dict[str, str]) -> None:
    code = "def run(i, tools):\n    print('y' * 10_000_000)\n    return 1\n"
    answer = post(client, member, code=code, inputDict={})
    assert answer.status_code == 200, answer.text
    stdout = answer.json()["stdout"]
    assert stdout.startswith("y" * runner.Limits().output_bytes + "\n[output truncated: ")


def test_tools_llm_is_brokered_and_metered(client: TestClient, member: dict[str, str]) -> None:
    code = "def run(i, tools):\n    return tools.llm('Say hi')\n"
    answer = post(client, member, code=code, inputDict={}, tools=[{"type": "llm"}])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert isinstance(body["result"], str)
    assert body["result"]
    assert [(c["name"], c["type"]) for c in body["tool_calls"]] == [("llm", "llm")]


def test_code_over_64_kib_is_413(client: TestClient, member: dict[str, str]) -> None:
    code = ECHO + "#" * (64 * 1024)
    assert_error(post(client, member, code=code, inputDict={}), 413)


def test_running_code_needs_a_token(client: TestClient) -> None:
    assert_error(client.post(PATH, json={"code": ECHO, "inputDict": {}}), 401)
