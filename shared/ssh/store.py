"""SSH connections' storage (keys in shared.ssh.models): the only module of the area that
touches the table; domain objects out."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from pynamodb.transactions import TransactWrite

from shared.db import work_counters
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import prefix_page
from shared.db.transactions import transact
from shared.errors import Conflict
from shared.ids import looks_like_id, utcnow
from shared.pagination import PageParams
from shared.ssh.domain import AuthMethod, HostKey, SshConnection
from shared.ssh.models import (
    COUNT_KEY,
    SSH_PREFIX,
    SshConnectionItem,
    connection_key,
)


def _to_connection(item: SshConnectionItem) -> SshConnection:
    host_key = None
    if item.host_key_fingerprint and item.host_key_pinned_at is not None:
        host_key = HostKey(
            algorithm=item.host_key_algorithm or "",
            fingerprint=item.host_key_fingerprint,
            public_key=item.host_key_public or "",
            pinned_at=item.host_key_pinned_at,
        )
    return SshConnection(
        team_id=item.team_id,
        id=item.connection_id,
        name=item.name,
        hostname=item.hostname,
        port=int(item.port),
        username=item.username,
        auth_method=cast(AuthMethod, item.auth_method),
        secret_version=item.secret_version,
        host_key=host_key,
        created_by=item.created_by,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version or 0),
    )


def _fields(connection: SshConnection) -> dict[str, Any]:
    return {
        "name": connection.name,
        "hostname": connection.hostname,
        "port": connection.port,
        "username": connection.username,
        "auth_method": connection.auth_method,
        "secret_version": connection.secret_version,
    }


def create_connection(connection: SshConnection) -> SshConnection:
    """The connection and the team's count, in one transaction."""
    item = SshConnectionItem(
        team_partition(connection.team_id),
        connection_key(connection.id),
        team_id=connection.team_id,
        connection_id=connection.id,
        created_by=connection.created_by,
        created_at=connection.created_at,
        updated_at=connection.updated_at,
        **_fields(connection),
    )

    def write(transaction: TransactWrite) -> None:
        transaction.save(item, condition=SshConnectionItem.pk.does_not_exist())
        work_counters.add(transaction, connection.team_id, COUNT_KEY, 1)

    if transact(write, what="SSH connection"):
        raise Conflict("the SSH connection was stored by another request")
    return replace(connection, version=1)


def get_connection(team_id: str, connection_id: str) -> SshConnection | None:
    if not looks_like_id(connection_id):
        return None
    item = get_or_none(
        SshConnectionItem, team_partition(team_id), connection_key(connection_id), consistent=True
    )
    return None if item is None else _to_connection(item)


def count_connections(team_id: str) -> int:
    return work_counters.total(team_id, COUNT_KEY)


def list_connections(
    team_id: str, params: PageParams
) -> tuple[list[SshConnection], int, str | None]:
    """The team's connections newest first (one Query of the prefix), the total counted."""
    items, cursor = prefix_page(SshConnectionItem, team_partition(team_id), SSH_PREFIX, params)
    return [_to_connection(item) for item in items], count_connections(team_id), cursor


def update_connection(connection: SshConnection, *, forget_host_key: bool) -> SshConnection | None:
    """Write `connection`'s fields over the stored ones, on condition that it is still at
    the version it was read (None: deleted meanwhile; Conflict: changed meanwhile).
    `forget_host_key`: the connection now points elsewhere, so the next one pins anew."""
    keys = SshConnectionItem(team_partition(connection.team_id), connection_key(connection.id))
    keys.version = connection.version  # PynamoDB conditions the update on it and adds one
    now = utcnow()
    actions: list[Any] = [
        getattr(SshConnectionItem, name).set(value) for name, value in _fields(connection).items()
    ]
    actions.append(SshConnectionItem.updated_at.set(now))
    if forget_host_key:
        actions += [
            SshConnectionItem.host_key_algorithm.remove(),
            SshConnectionItem.host_key_fingerprint.remove(),
            SshConnectionItem.host_key_public.remove(),
            SshConnectionItem.host_key_pinned_at.remove(),
        ]
    try:
        with storage_errors("SSH connection"):
            keys.update(actions, condition=SshConnectionItem.pk.exists())
    except Conflict:
        if get_connection(connection.team_id, connection.id) is None:
            return None
        raise
    return replace(
        connection,
        host_key=None if forget_host_key else connection.host_key,
        updated_at=now,
        version=connection.version + 1,
    )


def pin_host_key(connection: SshConnection, host_key: HostKey) -> bool:
    """Record `host_key` as the connection's if it still has none and still points where
    it did when the key was seen (same host and port): whether it did. A
    key pinned meanwhile by another request, or a changed connection, is left as it is."""
    keys = SshConnectionItem(team_partition(connection.team_id), connection_key(connection.id))
    keys.version = connection.version  # not a condition here (below): the version moves on
    condition = (
        SshConnectionItem.pk.exists()
        & SshConnectionItem.host_key_fingerprint.does_not_exist()
        & (SshConnectionItem.hostname == connection.hostname)
        & (SshConnectionItem.port == connection.port)
    )
    try:
        with storage_errors("SSH connection"):
            keys.update(
                [
                    SshConnectionItem.host_key_algorithm.set(host_key.algorithm),
                    SshConnectionItem.host_key_fingerprint.set(host_key.fingerprint),
                    SshConnectionItem.host_key_public.set(host_key.public_key),
                    SshConnectionItem.host_key_pinned_at.set(host_key.pinned_at),
                ],
                condition=condition,
                add_version_condition=False,
            )
    except Conflict:
        return False
    return True


def delete_connection(team_id: str, connection_id: str) -> bool:
    """Whether there was a connection to delete (it and the count in one transaction)."""
    if not looks_like_id(connection_id):
        return False

    def write(transaction: TransactWrite) -> None:
        transaction.delete(
            SshConnectionItem(team_partition(team_id), connection_key(connection_id)),
            condition=SshConnectionItem.pk.exists(),
            add_version_condition=False,
        )
        work_counters.add(transaction, team_id, COUNT_KEY, -1)

    return not transact(write, what="SSH connection")
