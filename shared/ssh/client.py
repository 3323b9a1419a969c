"""The group's side of the runner: one synchronous invocation of `ssh_runner` per test or
execute (shared.invoke), its answer turned into a result or the error it means. Nothing
here imports asyncssh (the group does not ship it)."""

from __future__ import annotations

from typing import Any, Literal

from shared.errors import Conflict, ServiceUnavailable, Unprocessable
from shared.invoke import InvocationFailed, invoke_worker
from shared.ssh.domain import INVOKE_MARGIN_SECONDS, SshConnection

RUNNER = "ssh_runner"


class HostKeyChanged(Conflict):
    """The server showed a host key other than the pinned one: nothing ran (409)."""


class ConnectionFailed(Unprocessable):
    """The host refused the credentials, could not be reached, or the session failed:
    the connection as configured does not work (422, the detail says which)."""


def run(
    connection: SshConnection,
    action: Literal["test", "execute"],
    *,
    command: str | None = None,
    timeout_seconds: float = 0.0,
) -> dict[str, Any]:
    """What the runner answered for an `ok` session (`host_key`, `execution` for an
    execute); every other outcome raised as its error."""
    pinned = connection.host_key
    payload: dict[str, Any] = {
        "action": action,
        "team_id": connection.team_id,
        "connection_id": connection.id,
        "secret_version": connection.secret_version,
        "hostname": connection.hostname,
        "port": connection.port,
        "username": connection.username,
        "auth_method": connection.auth_method,
        "host_key": None
        if pinned is None
        else {"algorithm": pinned.algorithm, "public_key": pinned.public_key},
    }
    if action == "execute":
        payload |= {"command": command, "timeout_seconds": timeout_seconds}
    try:
        answer = invoke_worker(
            RUNNER, payload, timeout_seconds=timeout_seconds + INVOKE_MARGIN_SECONDS
        )
    except InvocationFailed as exc:
        raise ServiceUnavailable("the SSH runner did not answer; try again shortly") from exc
    status = answer.get("status")
    detail = str(answer.get("detail") or "")
    if status == "ok":
        return answer
    if status == "host_key_changed":
        raise HostKeyChanged(detail)
    if status in ("refused", "auth_failed", "unreachable"):
        raise ConnectionFailed(detail)
    raise ServiceUnavailable("the SSH runner could not take the request")
