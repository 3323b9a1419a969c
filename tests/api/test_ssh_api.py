"""/ssh-connections over HTTP (the ssh group's app, with tokens, over emulated AWS) against a
REAL SSH server on loopback: asyncssh's server in a thread of its own, with a generated
host key, password and public-key logins, and a process factory that answers a few fixed
commands (never a shell). test and execute go through the ssh_runner worker's handler, as
the emulated Lambda runs it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import asyncssh
import pytest
from fastapi.testclient import TestClient

from functions.ssh.app import app
from shared import audit
from shared.auth.principal import Principal
from shared.auth.tokens import issue_token
from shared.aws import client as aws_client
from shared.ids import new_id
from shared.pagination import PageParams
from shared.ssh import hosts
from shared.ssh.domain import MAX_OUTPUT_BYTES
from shared.ssh.secrets import secret_name
from tests.factories import assert_error

BASE = "/api/v1/ssh-connections"
USER = "deploy"
PASSWORD = "correct horse battery staple"
FLOOD_BYTES = 3 * MAX_OUTPUT_BYTES


class _Login(asyncssh.SSHServer):
    """One user, by password or by the one client key the server was given."""

    def __init__(self, client_key: asyncssh.SSHKey) -> None:
        self._client_key = client_key

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USER and password == PASSWORD

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username == USER and key.public_data == self._client_key.public_data


class LoopbackSshServer:
    """asyncssh's server on 127.0.0.1 in its own event loop thread. `commands` is every
    command a session asked for; `restart(new_key)` serves the same port with another
    host key (a machine reinstalled, or someone in the middle)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client_key = asyncssh.generate_private_key("ssh-ed25519")
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.commands: list[str] = []
        self.port = 0
        self._server: asyncssh.SSHAcceptor | None = None
        self._call(self._start())

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    async def _start(self) -> None:
        self._server = await asyncssh.create_server(
            lambda: _Login(self.client_key),
            "127.0.0.1",
            self.port,
            server_host_keys=[self.host_key],
            process_factory=self._answer,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _answer(self, process: asyncssh.SSHServerProcess[str]) -> None:
        command = process.command or ""
        self.commands.append(command)
        if command.startswith("echo "):
            process.stdout.write(command[len("echo ") :] + "\n")
            process.exit(0)
        elif command == "fail":
            process.stderr.write("it went wrong\n")
            process.exit(3)
        elif command == "flood":
            process.stdout.write("o" * FLOOD_BYTES)
            process.stderr.write("e" * FLOOD_BYTES)
            await process.stdout.drain()
            await process.stderr.drain()
            process.exit(0)
        elif command == "hang":
            # Never answers: the runner's timeout ends it (closing the channel ends this).
            await process.wait_closed()
        else:
            process.stderr.write(f"unknown command: {command}\n")
            process.exit(127)

    def restart(self, host_key: asyncssh.SSHKey) -> None:
        self._call(self._stop())
        self.host_key = host_key
        self.commands.clear()
        self._call(self._start())

    def close(self) -> None:
        self._call(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def ssh_server() -> Iterator[LoopbackSshServer]:
    server = LoopbackSshServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def client(aws: None) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def headers_for(team_id: str, role: str = "admin") -> dict[str, str]:
    principal = Principal(subject=f"user-{new_id()}", team_id=team_id, role=role)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {issue_token(principal, ttl_seconds=600)}"}


@pytest.fixture
def team() -> str:
    return f"ssh-{new_id()}"


@pytest.fixture
def admin(team: str) -> dict[str, str]:
    return headers_for(team)


def password_body(server: LoopbackSshServer, **changes: Any) -> dict[str, Any]:
    return {
        "name": "build box",
        "hostname": "127.0.0.1",
        "port": server.port,
        "username": USER,
        "auth_method": "password",
        "password": PASSWORD,
        **changes,
    }


def create(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(BASE, headers=headers, json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def stored_secret(team: str, connection_id: str) -> dict[str, Any]:
    import json

    found = aws_client("secretsmanager").get_secret_value(SecretId=secret_name(team, connection_id))
    return dict(json.loads(found["SecretString"]))


def test_create_stores_the_password_in_secrets_manager_and_never_answers_it(
    client: TestClient, ssh_server: LoopbackSshServer, team: str, admin: dict[str, str]
) -> None:
    answer = client.post(BASE, headers=admin, json=password_body(ssh_server))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert PASSWORD not in answer.text
    assert body["hostname"] == "127.0.0.1"
    assert body["port"] == ssh_server.port
    assert body["auth_method"] == "password"
    assert body["host_key"] is None
    assert stored_secret(team, body["id"]) == {"password": PASSWORD}
    listed = client.get(BASE, headers=admin)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]
    assert PASSWORD not in listed.text
    got = client.get(f"{BASE}/{body['id']}", headers=admin)
    assert got.status_code == 200
    assert PASSWORD not in got.text


def test_the_first_test_pins_the_host_key_and_later_tests_keep_it(
    client: TestClient, ssh_server: LoopbackSshServer, admin: dict[str, str]
) -> None:
    connection = create(client, admin, password_body(ssh_server))
    commands_before = len(ssh_server.commands)
    first = client.post(f"{BASE}/{connection['id']}/test", headers=admin)
    assert first.status_code == 200, first.text
    pinned = first.json()["host_key"]
    assert first.json()["host_key_pinned_now"] is True
    assert pinned["algorithm"] == "ssh-ed25519"
    assert pinned["fingerprint"] == ssh_server.host_key.get_fingerprint("sha256")
    assert (
        pinned["public_key"].split()[1]
        == (ssh_server.host_key.export_public_key("openssh").decode().split()[1])
    )
    assert len(ssh_server.commands) == commands_before  # a test runs nothing
    again = client.post(f"{BASE}/{connection['id']}/test", headers=admin)
    assert again.status_code == 200, again.text
    assert again.json()["host_key_pinned_now"] is False
    assert again.json()["host_key"]["fingerprint"] == pinned["fingerprint"]
    got = client.get(f"{BASE}/{connection['id']}", headers=admin).json()
    assert got["host_key"]["fingerprint"] == pinned["fingerprint"]


def test_execute_answers_output_and_exit_status_and_is_audited(
    client: TestClient, ssh_server: LoopbackSshServer, team: str, admin: dict[str, str]
) -> None:
    connection = create(client, admin, password_body(ssh_server))
    answer = client.post(
        f"{BASE}/{connection['id']}/execute", headers=admin, json={"command": "echo hello there"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["stdout"] == "hello there\n"
    assert body["stderr"] == ""
    assert body["exit_status"] == 0
    assert body["timed_out"] is False
    assert body["host_key_pinned_now"] is True  # the first success pins, execute too
    failing = client.post(
        f"{BASE}/{connection['id']}/execute", headers=admin, json={"command": "fail"}
    ).json()
    assert failing["exit_status"] == 3
    assert failing["stderr"] == "it went wrong\n"

    entries, _, _ = audit.entries(team, PageParams(limit=50))
    executed = [entry for entry in entries if entry.action == "ssh.command.executed"]
    assert [(entry.detail["command"], entry.detail["exit_status"]) for entry in executed] == [
        ("fail", 3),
        ("echo hello there", 0),
    ]
    assert all(entry.target == connection["id"] for entry in executed)
    assert all(entry.actor.startswith("user-") for entry in executed)
    assert [entry.outcome for entry in executed] == ["failed", "ok"]
    # Neither the output nor the credential is in the log.
    assert all(
        "hello there\n" not in str(entry.detail) and PASSWORD not in str(entry.detail)
        for entry in entries
    )


def test_output_is_capped_per_stream_and_says_so(
    client: TestClient, ssh_server: LoopbackSshServer, admin: dict[str, str]
) -> None:
    connection = create(client, admin, password_body(ssh_server))
    answer = client.post(
        f"{BASE}/{connection['id']}/execute", headers=admin, json={"command": "flood"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["stdout"] == "o" * MAX_OUTPUT_BYTES
    assert body["stderr"] == "e" * MAX_OUTPUT_BYTES
    assert body["stdout_truncated"] is True
    assert body["stderr_truncated"] is True
    assert body["exit_status"] == 0
    small = client.post(
        f"{BASE}/{connection['id']}/execute", headers=admin, json={"command": "echo small"}
    ).json()
    assert small["stdout_truncated"] is False


def test_a_command_past_its_timeout_is_ended(
    client: TestClient, ssh_server: LoopbackSshServer, team: str, admin: dict[str, str]
) -> None:
    connection = create(client, admin, password_body(ssh_server))
    # The one real wait in this file: the runner's own timeout, kept to a fraction of a second.
    answer = client.post(
        f"{BASE}/{connection['id']}/execute",
        headers=admin,
        json={"command": "hang", "timeout_seconds": 0.3},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["timed_out"] is True
    assert body["exit_status"] is None
    entries, _, _ = audit.entries(team, PageParams(limit=10))
    assert entries[0].action == "ssh.command.executed"
    assert entries[0].detail["timed_out"] is True
    assert entries[0].outcome == "failed"


def test_a_changed_host_key_is_409_and_nothing_runs(
    client: TestClient, ssh_server: LoopbackSshServer, team: str, admin: dict[str, str]
) -> None:
    connection = create(client, admin, password_body(ssh_server))
    pinned = client.post(f"{BASE}/{connection['id']}/test", headers=admin)
    assert pinned.status_code == 200, pinned.text
    original = ssh_server.host_key
    ssh_server.restart(asyncssh.generate_private_key("ssh-ed25519"))
    try:
        answer = client.post(
            f"{BASE}/{connection['id']}/execute", headers=admin, json={"command": "echo hi"}
        )
        assert_error(answer, 409)
        assert "nothing was run" in answer.json()["detail"]
        assert ssh_server.commands == []  # the server never got the command
        assert_error(client.post(f"{BASE}/{connection['id']}/test", headers=admin), 409)
        # The pin stays the first key's.
        got = client.get(f"{BASE}/{connection['id']}", headers=admin).json()
        assert got["host_key"]["fingerprint"] == original.get_fingerprint("sha256")
        entries, _, _ = audit.entries(team, PageParams(limit=10))
        refused = [entry for entry in entries if entry.action == "ssh.command.executed"]
        assert refused[0].outcome == "denied"
        assert refused[0].detail["command"] == "echo hi"
    finally:
        ssh_server.restart(original)


def test_a_new_host_forgets_the_pin(
    client: TestClient, ssh_server: LoopbackSshServer, admin: dict[str, str]
) -> None:
    connection = create(client, admin, password_body(ssh_server))
    assert client.post(f"{BASE}/{connection['id']}/test", headers=admin).status_code == 200
    moved = client.put(f"{BASE}/{connection['id']}", headers=admin, json={"hostname": "localhost"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["host_key"] is None
    renamed = client.put(f"{BASE}/{connection['id']}", headers=admin, json={"name": "renamed"})
    assert renamed.json()["name"] == "renamed"
    assert renamed.json()["hostname"] == "localhost"


def test_public_key_login_works_and_its_key_is_not_answered(
    client: TestClient, ssh_server: LoopbackSshServer, team: str, admin: dict[str, str]
) -> None:
    private_key = ssh_server.client_key.export_private_key("openssh").decode()
    body = password_body(ssh_server, auth_method="key", private_key=private_key)
    del body["password"]
    answer = client.post(BASE, headers=admin, json=body)
    assert answer.status_code == 201, answer.text
    assert "PRIVATE KEY" not in answer.text
    connection_id = answer.json()["id"]
    assert stored_secret(team, connection_id) == {"private_key": private_key}
    ran = client.post(
        f"{BASE}/{connection_id}/execute", headers=admin, json={"command": "echo by key"}
    )
    assert ran.status_code == 200, ran.text
    assert ran.json()["stdout"] == "by key\n"


def test_bad_credentials_are_422_naming_the_refusal(
    client: TestClient, ssh_server: LoopbackSshServer, admin: dict[str, str]
) -> None:
    connection = create(client, admin, password_body(ssh_server, password="wrong"))
    answer = client.post(f"{BASE}/{connection['id']}/test", headers=admin)
    assert_error(answer, 422)
    assert "refused the connection's credentials" in answer.json()["detail"]
    # A replaced password is a new secret version, and it works.
    fixed = client.put(f"{BASE}/{connection['id']}", headers=admin, json={"password": PASSWORD})
    assert fixed.status_code == 200, fixed.text
    assert client.post(f"{BASE}/{connection['id']}/test", headers=admin).status_code == 200


def test_a_key_connection_without_its_key_is_422(
    client: TestClient, ssh_server: LoopbackSshServer, admin: dict[str, str]
) -> None:
    body = password_body(ssh_server, auth_method="key")
    assert_error(client.post(BASE, headers=admin, json=body), 422)
    connection = create(client, admin, password_body(ssh_server))
    switched = client.put(f"{BASE}/{connection['id']}", headers=admin, json={"auth_method": "key"})
    assert_error(switched, 422)


def test_strict_policy_refuses_loopback_at_create_and_at_connect(
    client: TestClient,
    ssh_server: LoopbackSshServer,
    admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    created = create(client, admin, password_body(ssh_server))
    monkeypatch.setattr(hosts, "strict_hosts", lambda: True)
    refused = client.post(BASE, headers=admin, json=password_body(ssh_server))
    assert_error(refused, 422)
    assert "public address" in refused.json()["detail"]
    updated = client.put(f"{BASE}/{created['id']}", headers=admin, json={"hostname": "localhost"})
    assert_error(updated, 422)
    # Stored before the policy was strict: refused again when the runner connects.
    ssh_server.commands.clear()
    ran = client.post(f"{BASE}/{created['id']}/execute", headers=admin, json={"command": "echo hi"})
    assert_error(ran, 422)
    assert "public address" in ran.json()["detail"]
    assert ssh_server.commands == []


def test_another_teams_connection_is_404_and_a_member_is_403(
    client: TestClient, ssh_server: LoopbackSshServer, team: str, admin: dict[str, str]
) -> None:
    connection = create(client, admin, password_body(ssh_server))
    other = headers_for(f"ssh-{new_id()}")
    path = f"{BASE}/{connection['id']}"
    assert_error(client.get(path, headers=other), 404)
    assert_error(client.post(f"{path}/test", headers=other), 404)
    assert_error(client.post(f"{path}/execute", headers=other, json={"command": "echo x"}), 404)
    assert_error(client.delete(path, headers=other), 404)
    member = headers_for(team, role="member")
    assert_error(client.get(BASE, headers=member), 403)
    assert_error(client.post(f"{path}/execute", headers=member, json={"command": "echo x"}), 403)


def test_delete_removes_the_connection_and_its_secret(
    client: TestClient, ssh_server: LoopbackSshServer, team: str, admin: dict[str, str]
) -> None:
    connection = create(client, admin, password_body(ssh_server))
    answer = client.delete(f"{BASE}/{connection['id']}", headers=admin)
    assert answer.status_code == 204, answer.text
    assert_error(client.get(f"{BASE}/{connection['id']}", headers=admin), 404)
    described = aws_client("secretsmanager").describe_secret(
        SecretId=secret_name(team, connection["id"])
    )
    assert described.get("DeletedDate") is not None
    assert client.get(BASE, headers=admin).json()["total"] == 0
