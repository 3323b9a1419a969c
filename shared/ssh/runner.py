"""The ssh_runner worker's work: one SSH connection per invocation, with asyncssh.

Only this worker opens SSH connections (functions/ssh_runner): the group that stores them
hands it the connection as its item says, and it reads the credential (the version that
item names), checks the host against the outbound policy and connects to the address it
checked. A pinned host key is the only key accepted (asyncssh's `known_hosts` holding just
it): a server showing another fails the handshake, before any credential is sent or any
command runs. Without a pin, the key seen is answered for the group to pin.

What it answers is a JSON object whose `status` says how it went: `ok`, `host_key_changed`,
`refused` (the outbound policy), `auth_failed`, `unreachable`, `bad_request`. Details name
the cause in our words, never the server's text or a credential.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

import asyncssh
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.observability import logger
from shared.run_async import run_to_end
from shared.ssh import hosts, secrets
from shared.ssh.domain import (
    CONNECT_SECONDS,
    MAX_COMMAND_CHARS,
    MAX_COMMAND_SECONDS,
    MAX_OUTPUT_BYTES,
    Credential,
)
from shared.url_policy import UrlRefused

_READ_BYTES = 32 * 1024


class PinnedKey(BaseModel):
    algorithm: str
    public_key: str


class RunnerRequest(BaseModel):
    """What the group sends: the connection as its item says, and what to do."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["test", "execute"]
    team_id: str
    connection_id: str
    secret_version: str
    hostname: str
    port: int = Field(ge=1, le=65_535)
    username: str
    auth_method: Literal["password", "key"]
    host_key: PinnedKey | None = None
    command: str | None = Field(default=None, min_length=1, max_length=MAX_COMMAND_CHARS)
    timeout_seconds: float = Field(default=10.0, gt=0, le=MAX_COMMAND_SECONDS)


class _Capped:
    """A stream's first MAX_OUTPUT_BYTES; the rest only counted as cut."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.truncated = False

    def add(self, chunk: bytes) -> None:
        room = MAX_OUTPUT_BYTES - len(self.data)
        if len(chunk) > room:
            self.truncated = True
        if room > 0:
            self.data += chunk[:room]

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def handle(event: dict[str, Any]) -> dict[str, Any]:
    """One runner invocation: `event` is a `RunnerRequest`'s JSON."""
    try:
        request = RunnerRequest.model_validate(event)
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
        return {"status": "bad_request", "detail": f"bad request: {fields}"}
    if request.action == "execute" and request.command is None:
        return {"status": "bad_request", "detail": "bad request: command"}
    try:
        address = hosts.connect_address(request.hostname, strict=hosts.strict_hosts())
    except UrlRefused as exc:
        return {"status": "refused", "detail": exc.detail}
    credential = secrets.read(request.team_id, request.connection_id, request.secret_version)
    return run_to_end(lambda: _session(request, address, credential))


def _options(request: RunnerRequest, credential: Credential) -> dict[str, Any]:
    """asyncssh's connect options: only what the connection names, nothing of this host's
    (no ~/.ssh/config, default keys, agent or known_hosts file)."""
    options: dict[str, Any] = {
        "port": request.port,
        "username": request.username,
        "config": [],
        "agent_path": None,
        "connect_timeout": CONNECT_SECONDS,
        "login_timeout": CONNECT_SECONDS,
        # The pinned key alone, or (first use) whatever the server shows, answered to pin.
        "known_hosts": None
        if request.host_key is None
        else ([asyncssh.import_public_key(request.host_key.public_key)], [], []),
    }
    if request.auth_method == "password":
        options |= {
            "password": credential.password or "",
            "client_keys": None,
            "preferred_auth": "password,keyboard-interactive",
        }
    else:
        key = asyncssh.import_private_key(
            credential.private_key or "", passphrase=credential.passphrase
        )
        options |= {"client_keys": [key], "preferred_auth": "publickey"}
    return options


async def _session(request: RunnerRequest, address: str, credential: Credential) -> dict[str, Any]:
    where = f"{request.hostname}:{request.port}"
    started = time.perf_counter()
    try:
        options = _options(request, credential)
    except (asyncssh.KeyImportError, ValueError):
        return {
            "status": "auth_failed",
            "detail": "the connection's private key could not be read (or its passphrase is wrong)",
        }
    try:
        async with asyncssh.connect(address, **options) as connection:
            host_key = connection.get_server_host_key()
            answer: dict[str, Any] = {
                "status": "ok",
                "host_key": None if host_key is None else _host_key(host_key),
                "connect_ms": round((time.perf_counter() - started) * 1000, 3),
            }
            if request.action == "execute":
                answer["execution"] = await _execute(
                    connection, request.command or "", request.timeout_seconds
                )
            return answer
    except asyncssh.HostKeyNotVerifiable:
        return {
            "status": "host_key_changed",
            "detail": f"the host key of {where} is not the one pinned: nothing was run",
        }
    except asyncssh.PermissionDenied:
        return {"status": "auth_failed", "detail": f"{where} refused the connection's credentials"}
    except (OSError, TimeoutError, asyncssh.Error) as exc:
        logger.info("ssh connection failed", extra={"error": type(exc).__name__})
        return {"status": "unreachable", "detail": _unreachable(where, exc)}


def _unreachable(where: str, exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"{where} did not answer within {CONNECT_SECONDS:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return f"{where} refused the connection"
    if isinstance(exc, asyncssh.Error):
        return f"the SSH session with {where} failed"
    return f"{where} could not be reached"


def _host_key(key: asyncssh.SSHKey) -> dict[str, str]:
    return {
        "algorithm": key.get_algorithm(),
        "fingerprint": key.get_fingerprint("sha256"),
        # The key alone, without the comment the export may add.
        "public_key": " ".join(key.export_public_key("openssh").decode().split()[:2]),
    }


async def _execute(
    connection: asyncssh.SSHClientConnection, command: str, timeout_seconds: float
) -> dict[str, Any]:
    """Run `command` with nothing on its stdin, keep the first MAX_OUTPUT_BYTES of each
    stream, end it at `timeout_seconds`."""
    started = time.perf_counter()
    out, err = _Capped(), _Capped()
    process = await connection.create_process(command, encoding=None)
    process.stdin.write_eof()

    async def drain(stream: asyncssh.SSHReader[bytes], sink: _Capped) -> None:
        while chunk := await stream.read(_READ_BYTES):
            sink.add(chunk)

    timed_out = False
    try:
        async with asyncio.timeout(timeout_seconds):
            await asyncio.gather(drain(process.stdout, out), drain(process.stderr, err))
            await process.wait_closed()
    except TimeoutError:
        timed_out = True
        process.close()
    return {
        "exit_status": None if timed_out else process.exit_status,
        "exit_signal": None
        if timed_out or process.exit_signal is None
        else str(process.exit_signal[0]),
        "stdout": out.text(),
        "stderr": err.text(),
        "stdout_truncated": out.truncated,
        "stderr_truncated": err.truncated,
        "timed_out": timed_out,
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
    }
