"""SSH connections' rules: CRUD with the credential in Secrets Manager, test and execute
through the runner, host keys pinned on first use, the outbound policy, the audit log.

A connection's hostname is checked against the outbound policy when it is set and again
by the runner at each connection. The credential goes to its secret first (a new version),
then the item naming that version: a reader never sees an item naming a version not yet
written. Every execute is audited (who, which connection, the command, how it ended),
never its output or the credential.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from shared import audit
from shared.errors import DomainError, NotFound, Unprocessable
from shared.ids import new_id, utcnow
from shared.observability import logger
from shared.pagination import PageParams
from shared.ssh import client, hosts, secrets, store
from shared.ssh.domain import AuthMethod, Credential, Execution, HostKey, SshConnection


@dataclass(frozen=True, slots=True)
class ConnectionFields:
    """What an admin sets on a connection (an update names only what it changes)."""

    name: str | None = None
    hostname: str | None = None
    port: int | None = None
    username: str | None = None
    auth_method: AuthMethod | None = None


@dataclass(frozen=True, slots=True)
class TestResult:
    connection: SshConnection
    host_key: HostKey | None
    pinned_now: bool
    connect_ms: float


@dataclass(frozen=True, slots=True)
class ExecuteResult:
    connection: SshConnection
    execution: Execution
    pinned_now: bool


def _not_found() -> NotFound:
    return NotFound("SSH connection not found")


def _check_credential(auth_method: AuthMethod, credential: Credential) -> Credential:
    """The credential the method needs, and nothing the other method would use."""
    if auth_method == "password":
        if not credential.password:
            raise Unprocessable("password is required when auth_method is password")
        return Credential(password=credential.password)
    if not credential.private_key:
        raise Unprocessable("private_key is required when auth_method is key")
    return Credential(private_key=credential.private_key, passphrase=credential.passphrase)


def _check_host(hostname: str) -> None:
    hosts.connect_address(hostname, strict=hosts.strict_hosts())


def create_connection(
    team_id: str, actor: str, fields: ConnectionFields, credential: Credential
) -> SshConnection:
    if (
        fields.name is None
        or fields.hostname is None
        or fields.username is None
        or fields.auth_method is None
    ):
        raise Unprocessable("name, hostname, username and auth_method are required")
    credential = _check_credential(fields.auth_method, credential)
    _check_host(fields.hostname)
    now = utcnow()
    connection = SshConnection(
        team_id=team_id,
        id=new_id(),
        name=fields.name,
        hostname=fields.hostname,
        port=fields.port or 22,
        username=fields.username,
        auth_method=fields.auth_method,
        secret_version=secrets.new_version(),
        host_key=None,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    secrets.store(team_id, connection.id, credential, version=connection.secret_version)
    try:
        created = store.create_connection(connection)
    except DomainError:
        secrets.remove(team_id, connection.id)  # nothing names it
        raise
    audit.record(team_id, "ssh.connection.created", actor=actor, target=connection.id)
    return created


def get_connection(team_id: str, connection_id: str) -> SshConnection:
    connection = store.get_connection(team_id, connection_id)
    if connection is None:
        raise _not_found()
    return connection


def list_connections(
    team_id: str, params: PageParams
) -> tuple[list[SshConnection], int, str | None]:
    return store.list_connections(team_id, params)


def update_connection(
    team_id: str,
    actor: str,
    connection_id: str,
    fields: ConnectionFields,
    credential: Credential | None,
) -> SshConnection:
    """Change what `fields` names; a new credential becomes a new secret version. A new
    host or port forgets the pinned key (it was another machine's)."""
    current = get_connection(team_id, connection_id)
    auth_method = fields.auth_method or current.auth_method
    if auth_method != current.auth_method and credential is None:
        raise Unprocessable(f"a change of auth_method to {auth_method} needs its credential")
    if fields.hostname is not None:
        _check_host(fields.hostname)
    changed = replace(
        current,
        name=fields.name or current.name,
        hostname=fields.hostname or current.hostname,
        port=fields.port or current.port,
        username=fields.username or current.username,
        auth_method=auth_method,
    )
    if credential is not None:
        credential = _check_credential(auth_method, credential)
        changed = replace(changed, secret_version=secrets.new_version())
        secrets.store(team_id, connection_id, credential, version=changed.secret_version)
    moved = (changed.hostname, changed.port) != (current.hostname, current.port)
    updated = store.update_connection(changed, forget_host_key=moved)
    if updated is None:
        raise _not_found()
    audit.record(
        team_id,
        "ssh.connection.updated",
        actor=actor,
        target=connection_id,
        credential_replaced=credential is not None,
        host_key_forgotten=moved and current.host_key is not None,
    )
    return updated


def delete_connection(team_id: str, actor: str, connection_id: str) -> None:
    """The connection, then its secret (scheduled for deletion)."""
    if not store.delete_connection(team_id, connection_id):
        raise _not_found()
    secrets.remove(team_id, connection_id)
    audit.record(team_id, "ssh.connection.deleted", actor=actor, target=connection_id)


def _pin(connection: SshConnection, seen: Any) -> tuple[SshConnection, bool]:
    """The connection with the host key it now has: `seen` pinned if it had none."""
    if connection.host_key is not None or not isinstance(seen, dict):
        return connection, False
    key = HostKey(
        algorithm=str(seen.get("algorithm", "")),
        fingerprint=str(seen.get("fingerprint", "")),
        public_key=str(seen.get("public_key", "")),
        pinned_at=utcnow(),
    )
    if store.pin_host_key(connection, key):
        logger.info("ssh host key pinned", extra={"fingerprint": key.fingerprint})
        return replace(connection, host_key=key, version=connection.version + 1), True
    # Pinned by another request meanwhile, or the connection changed: as it is now.
    return get_connection(connection.team_id, connection.id), False


def test_connection(team_id: str, actor: str, connection_id: str) -> TestResult:
    """Connect and authenticate, run nothing; the first success pins the host key."""
    connection = get_connection(team_id, connection_id)
    try:
        answer = client.run(connection, "test")
    except DomainError as exc:
        audit.record(
            team_id,
            "ssh.connection.tested",
            actor=actor,
            target=connection_id,
            outcome=_outcome(exc),
            reason=exc.detail,
        )
        raise
    connection, pinned_now = _pin(connection, answer.get("host_key"))
    audit.record(
        team_id, "ssh.connection.tested", actor=actor, target=connection_id, pinned=pinned_now
    )
    return TestResult(
        connection=connection,
        host_key=connection.host_key,
        pinned_now=pinned_now,
        connect_ms=float(answer.get("connect_ms") or 0.0),
    )


def execute(
    team_id: str, actor: str, connection_id: str, command: str, timeout_seconds: float
) -> ExecuteResult:
    """Run `command` on the connection's host (after its host key is checked), audited."""
    connection = get_connection(team_id, connection_id)
    where: dict[str, Any] = {
        "hostname": connection.hostname,
        "port": connection.port,
        "command": command,
    }
    try:
        answer = client.run(connection, "execute", command=command, timeout_seconds=timeout_seconds)
    except DomainError as exc:
        audit.record(
            team_id,
            "ssh.command.executed",
            actor=actor,
            target=connection_id,
            outcome=_outcome(exc),
            reason=exc.detail,
            **where,
        )
        raise
    connection, pinned_now = _pin(connection, answer.get("host_key"))
    done = answer.get("execution") or {}
    execution = Execution(
        exit_status=done.get("exit_status"),
        exit_signal=done.get("exit_signal"),
        stdout=str(done.get("stdout") or ""),
        stderr=str(done.get("stderr") or ""),
        stdout_truncated=bool(done.get("stdout_truncated")),
        stderr_truncated=bool(done.get("stderr_truncated")),
        timed_out=bool(done.get("timed_out")),
        duration_ms=float(done.get("duration_ms") or 0.0),
    )
    audit.record(
        team_id,
        "ssh.command.executed",
        actor=actor,
        target=connection_id,
        outcome="ok" if execution.exit_status == 0 else "failed",
        exit_status=execution.exit_status,
        timed_out=execution.timed_out,
        **where,
    )
    return ExecuteResult(connection=connection, execution=execution, pinned_now=pinned_now)


def _outcome(exc: DomainError) -> audit.Outcome:
    return "denied" if isinstance(exc, client.HostKeyChanged) else "failed"
