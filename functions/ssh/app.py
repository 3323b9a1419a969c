"""The ssh group's app (seed 003 SSH Connections, admins only): CRUD on
`/ssh-connections` with the credential in Secrets Manager (written, never answered), and
`test` and `execute`, which the ssh_runner worker performs (this function never opens an
SSH connection). Another team's connection is 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from functions.ssh.schemas import (
    ID_PATTERN,
    HostKeyPublic,
    SshConnectionCreate,
    SshConnectionPublic,
    SshConnectionUpdate,
    SshExecuteRequest,
    SshExecuteResult,
    SshTestResult,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.ssh import service
from shared.ssh.domain import Credential, HostKey, SshConnection

router = group_router(tags=["ssh"], responses=error_responses(401, 403, 422))
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]

# The secret store not answering: 503 on every route that reads or writes a credential.
_FOUND = error_responses(404, 503)
_WRITE = error_responses(503)
_WRITE[422] = {
    **error_responses(422)[422],
    "description": "Validation error, or (deployed) a hostname at a private, loopback or "
    "link-local address",
}
_RUN = error_responses(404, 409, 503)
_RUN[409]["description"] = (
    "The host showed a key other than the one pinned for this connection: nothing was run"
)
_RUN[422] = {
    **error_responses(422)[422],
    "description": "The connection does not work as configured: the host refused its "
    "credentials, could not be reached, or (deployed) resolves to a private address",
}


def _host_key(key: HostKey | None) -> HostKeyPublic | None:
    if key is None:
        return None
    return HostKeyPublic(
        algorithm=key.algorithm,
        fingerprint=key.fingerprint,
        public_key=key.public_key,
        pinned_at=key.pinned_at,
    )


def _public(connection: SshConnection) -> dict[str, Any]:
    return {
        "id": connection.id,
        "name": connection.name,
        "hostname": connection.hostname,
        "port": connection.port,
        "username": connection.username,
        "auth_method": connection.auth_method,
        "host_key": _host_key(connection.host_key),
        "created_by": connection.created_by,
        "created_at": connection.created_at,
        "updated_at": connection.updated_at,
    }


@router.get(
    "/ssh-connections",
    response_model=Page[SshConnectionPublic],
    responses=LIST_RESPONSES,
    summary="The team's SSH connections, newest first (never their credentials)",
)
async def list_connections(principal: AdminPrincipal, params: Pagination) -> dict[str, Any]:
    items, total, cursor = service.list_connections(principal.team_id, params)
    return page_answer([_public(item) for item in items], total, params, cursor)


@router.post(
    "/ssh-connections",
    status_code=201,
    response_model=SshConnectionPublic,
    responses=_WRITE,
    summary="Add an SSH connection: its password or private key goes to Secrets Manager",
)
async def create_connection(body: SshConnectionCreate, principal: AdminPrincipal) -> dict[str, Any]:
    fields = service.ConnectionFields(
        name=body.name,
        hostname=body.hostname,
        port=body.port,
        username=body.username,
        auth_method=body.auth_method,
    )
    if body.auth_method == "password":
        credential = Credential(password=body.password)
    else:
        credential = Credential(private_key=body.private_key, passphrase=body.passphrase)
    connection = service.create_connection(principal.team_id, principal.subject, fields, credential)
    return _public(connection)


@router.get(
    "/ssh-connections/{connection_id}",
    response_model=SshConnectionPublic,
    responses=error_responses(404),
    summary="An SSH connection (its pinned host key, never its credential)",
)
async def get_connection(connection_id: IdPath, principal: AdminPrincipal) -> dict[str, Any]:
    return _public(service.get_connection(principal.team_id, connection_id))


@router.put(
    "/ssh-connections/{connection_id}",
    response_model=SshConnectionPublic,
    responses={**_WRITE, **_FOUND, **error_responses(409)},
    summary="Change an SSH connection (what the body names); a new host forgets the pin",
)
async def update_connection(
    connection_id: IdPath, body: SshConnectionUpdate, principal: AdminPrincipal
) -> dict[str, Any]:
    sent = body.model_fields_set
    fields = service.ConnectionFields(
        name=body.name,
        hostname=body.hostname,
        port=body.port,
        username=body.username,
        auth_method=body.auth_method,
    )
    credential = None
    if sent & {"password", "private_key", "passphrase"}:
        credential = Credential(
            password=body.password, private_key=body.private_key, passphrase=body.passphrase
        )
    connection = service.update_connection(
        principal.team_id, principal.subject, connection_id, fields, credential
    )
    return _public(connection)


@router.delete(
    "/ssh-connections/{connection_id}",
    status_code=204,
    responses=_FOUND,
    summary="Delete an SSH connection and its secret",
)
async def delete_connection(connection_id: IdPath, principal: AdminPrincipal) -> None:
    service.delete_connection(principal.team_id, principal.subject, connection_id)


@router.post(
    "/ssh-connections/{connection_id}/test",
    response_model=SshTestResult,
    responses=_RUN,
    summary="Connect and authenticate, run nothing; the first success pins the host key",
)
async def test_connection(connection_id: IdPath, principal: AdminPrincipal) -> dict[str, Any]:
    result = service.test_connection(principal.team_id, principal.subject, connection_id)
    return {
        "ok": True,
        "connection_id": connection_id,
        "host_key": _host_key(result.host_key),
        "host_key_pinned_now": result.pinned_now,
        "connect_ms": result.connect_ms,
    }


@router.post(
    "/ssh-connections/{connection_id}/execute",
    response_model=SshExecuteResult,
    responses=_RUN,
    summary="Run a command on the host (its key checked first), output capped; audited",
)
async def execute(
    connection_id: IdPath, body: SshExecuteRequest, principal: AdminPrincipal
) -> dict[str, Any]:
    result = service.execute(
        principal.team_id, principal.subject, connection_id, body.command, body.timeout_seconds
    )
    done = result.execution
    return {
        "connection_id": connection_id,
        "exit_status": done.exit_status,
        "exit_signal": done.exit_signal,
        "stdout": done.stdout,
        "stderr": done.stderr,
        "stdout_truncated": done.stdout_truncated,
        "stderr_truncated": done.stderr_truncated,
        "timed_out": done.timed_out,
        "duration_ms": done.duration_ms,
        "host_key_pinned_now": result.pinned_now,
    }


app = create_app("ssh", router)
