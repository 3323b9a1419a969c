"""Request and response shapes of /ssh-connections (seed 003: `name, hostname, port,
username, auth_method`, and the credential, which is written and never answered)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.numbers import JSON_NUMBER
from shared.request_fields import NOT_BLANK, omittable, refuse_nulls, trimmed
from shared.ssh.domain import DEFAULT_COMMAND_SECONDS, MAX_COMMAND_CHARS, MAX_COMMAND_SECONDS

# Connection ids in paths are ULIDs.
ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"

Name = Annotated[str, trimmed(100)]
# A host name or an IPv4 address (as the outbound policy reads them; no IPv6 literal).
Hostname = Annotated[
    str,
    StringConstraints(
        min_length=1,
        max_length=253,
        pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$",
    ),
]
Port = Annotated[int, Field(ge=1, le=65_535), JSON_NUMBER]
# A login name as SSH servers take them: no white space, no control characters.
Username = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._][A-Za-z0-9._@-]*$")
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1_024)]
# An OpenSSH or PEM private key: its text, with its line breaks.
PrivateKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=16_384, pattern="PRIVATE KEY-----"),
    Field(description="the private key's text (OpenSSH or PEM); never answered"),
]
Passphrase = Annotated[str, StringConstraints(min_length=1, max_length=1_024)]
Command = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_COMMAND_CHARS, pattern=NOT_BLANK)
]
CommandSeconds = Annotated[float, Field(gt=0, le=MAX_COMMAND_SECONDS), JSON_NUMBER]


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: Name
    hostname: Hostname
    port: Port = 22
    username: Username


class PasswordConnectionCreate(_Common):
    auth_method: Literal["password"]
    password: Password = Field(description="the login's password; never answered")


class KeyConnectionCreate(_Common):
    auth_method: Literal["key"]
    private_key: PrivateKey
    passphrase: Passphrase | None = Field(
        default=None, description="the private key's passphrase, if it has one; never answered"
    )


SshConnectionCreate = Annotated[
    PasswordConnectionCreate | KeyConnectionCreate, Field(discriminator="auth_method")
]


class SshConnectionUpdate(BaseModel):
    """What changes; the rest stays. A new credential (password, or private_key with its
    passphrase) replaces the stored one; a change of auth_method needs the new method's.
    A new hostname or port forgets the pinned host key."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: Name = omittable()
    hostname: Hostname = omittable()
    port: Port = omittable()
    username: Username = omittable()
    auth_method: Literal["password", "key"] = omittable()
    password: Password = omittable(description="the login's password; never answered")
    private_key: PrivateKey = omittable()
    passphrase: Passphrase = omittable(description="the private key's passphrase; never answered")

    _no_nulls = model_validator(mode="before")(refuse_nulls)


class HostKeyPublic(BaseModel):
    algorithm: str
    fingerprint: str = Field(description="SHA256 fingerprint, as ssh-keygen -l prints it")
    public_key: str = Field(description="the host's public key, OpenSSH one-line form")
    pinned_at: datetime


class SshConnectionPublic(BaseModel):
    id: str
    name: str
    hostname: str
    port: int
    username: str
    auth_method: Literal["password", "key"]
    host_key: HostKeyPublic | None = Field(
        description="pinned by the first successful test or execute; every later connection "
        "must show this key (409 otherwise)"
    )
    created_by: str
    created_at: datetime
    updated_at: datetime


class SshTestResult(BaseModel):
    ok: Literal[True]
    connection_id: str
    host_key: HostKeyPublic | None
    host_key_pinned_now: bool
    connect_ms: float


class SshExecuteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    command: Command
    timeout_seconds: CommandSeconds = Field(
        default=DEFAULT_COMMAND_SECONDS,
        description=f"the command is ended after this long (at most {MAX_COMMAND_SECONDS:g} s)",
    )


class SshExecuteResult(BaseModel):
    connection_id: str
    exit_status: int | None = Field(description="null when the command was ended (timeout)")
    exit_signal: str | None
    stdout: str = Field(description="the first 64 KiB of standard output")
    stderr: str = Field(description="the first 64 KiB of standard error")
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool
    duration_ms: float
    host_key_pinned_now: bool
