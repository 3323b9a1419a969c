"""SSH connections as the services see them, and the limits both sides keep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

AuthMethod = Literal["password", "key"]

# What a command may run for, and what it may take with its connection: the group waits
# for the runner under API Gateway's 30 s (a route group's function times out at 29 s).
MAX_COMMAND_SECONDS = 20.0
DEFAULT_COMMAND_SECONDS = 10.0
CONNECT_SECONDS = 5.0
# What the group waits for the runner beyond the command's own limit: its start, the
# secret's read, the connection and the handshake.
INVOKE_MARGIN_SECONDS = CONNECT_SECONDS + 3.0
# Each of stdout and stderr is kept up to this many bytes; the rest is counted, not kept.
MAX_OUTPUT_BYTES = 64 * 1024
MAX_COMMAND_CHARS = 8_192


@dataclass(frozen=True, slots=True)
class HostKey:
    """The server's host key as first seen: pinned, every later connection must show it."""

    algorithm: str
    fingerprint: str  # "SHA256:<base64>", as ssh-keygen -l prints it
    public_key: str  # OpenSSH one-line form, "<algorithm> <base64>"
    pinned_at: datetime


@dataclass(frozen=True, slots=True)
class SshConnection:
    team_id: str
    id: str
    name: str
    hostname: str
    port: int
    username: str
    auth_method: AuthMethod
    # The Secrets Manager version holding the credential (shared.ssh.secrets).
    secret_version: str
    host_key: HostKey | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = 0


@dataclass(frozen=True, slots=True)
class Credential:
    """A connection's secret: a password, or a private key (OpenSSH or PEM) and its
    passphrase. Never answered, never logged."""

    password: str | None = None
    private_key: str | None = None
    passphrase: str | None = None

    def as_dict(self) -> dict[str, str]:
        values = {
            "password": self.password,
            "private_key": self.private_key,
            "passphrase": self.passphrase,
        }
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Execution:
    """What a command did: its exit status (None when it was ended by the timeout or a
    signal), its output capped per stream, and whether each was cut."""

    exit_status: int | None
    exit_signal: str | None
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool
    duration_ms: float
