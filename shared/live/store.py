"""The only code that touches stored connections: ConnectionItem in, Connection out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pynamodb.expressions.update import Action

from shared.auth.principal import Role, Via
from shared.db.base import get_or_none, storage_errors
from shared.errors import Conflict
from shared.live.domain import Connection, Subscription
from shared.live.models import (
    CONNECTION_SORT_KEY,
    ConnectionItem,
    connection_partition,
    team_connections_key,
)


def _to_connection(item: ConnectionItem) -> Connection:
    role: Role = item.role  # type: ignore[assignment]  # written from Role only
    via: Via = item.via or "jwt"  # type: ignore[assignment]  # written from Via only
    return Connection(
        connection_id=item.connection_id,
        team_id=item.team_id,
        subject=item.subject,
        role=role,
        connected_at=item.connected_at,
        expires_at=item.expires_at,
        subscriptions=tuple(Subscription.model_validate(sub) for sub in item.subscriptions or []),
        via=via,
        credential_expires_at=item.credential_expires_at,
    )


def _subscriptions(subscriptions: Sequence[Subscription]) -> list[dict[str, str | None]]:
    return [sub.model_dump() for sub in subscriptions]


def save_connection(connection: Connection) -> None:
    item = ConnectionItem(
        connection_partition(connection.connection_id),
        CONNECTION_SORT_KEY,
        connection_id=connection.connection_id,
        team_id=connection.team_id,
        subject=connection.subject,
        role=connection.role,
        via=connection.via,
        credential_expires_at=connection.credential_expires_at,
        subscriptions=_subscriptions(connection.subscriptions),
        connected_at=connection.connected_at,
        gsi1pk=team_connections_key(connection.team_id),
        gsi1sk=connection.connection_id,
        expires_at=connection.expires_at,
    )
    with storage_errors("connection"):
        item.save()


def get_connection(connection_id: str, now: datetime) -> Connection | None:
    """The connection, or None when unknown or expired (TTL deletes lazily)."""
    item = get_or_none(ConnectionItem, connection_partition(connection_id), CONNECTION_SORT_KEY)
    if item is None or item.expires_at <= now:
        return None
    return _to_connection(item)


def update_connection(
    connection_id: str, *, expires_at: datetime, subscriptions: Sequence[Subscription] | None = None
) -> bool:
    """Refresh the expiry (and replace the subscriptions, when given) of a stored
    connection; False when it is gone (disconnected meanwhile: never written back)."""
    actions: list[Action] = [ConnectionItem.expires_at.set(expires_at)]
    if subscriptions is not None:
        actions.append(ConnectionItem.subscriptions.set(_subscriptions(subscriptions)))
    return _update(connection_id, actions)


def update_credential(connection: Connection) -> bool:
    """Write the connection's credential (who, how, until when) and expiry: a
    re-authentication, or an API key found revoked; False when it is gone."""
    actions: list[Action] = [
        ConnectionItem.expires_at.set(connection.expires_at),
        ConnectionItem.subject.set(connection.subject),
        ConnectionItem.role.set(connection.role),
        ConnectionItem.via.set(connection.via),
    ]
    if connection.credential_expires_at is None:
        actions.append(ConnectionItem.credential_expires_at.remove())
    else:
        actions.append(ConnectionItem.credential_expires_at.set(connection.credential_expires_at))
    return _update(connection.connection_id, actions)


def _update(connection_id: str, actions: list[Action]) -> bool:
    item = ConnectionItem(connection_partition(connection_id), CONNECTION_SORT_KEY)
    try:
        with storage_errors("connection"):
            item.update(actions=actions, condition=ConnectionItem.pk.exists())
    except Conflict:
        return False
    return True


def delete_connection(connection_id: str) -> None:
    item = ConnectionItem(connection_partition(connection_id), CONNECTION_SORT_KEY)
    with storage_errors("connection"):
        item.delete()


def team_connections(team_id: str, now: datetime) -> list[Connection]:
    """The team's live connections: one Query of gsi1 (paged through), expired ones left
    out."""
    with storage_errors("connection"):
        items = list(ConnectionItem.by_team.query(team_connections_key(team_id)))
    return [_to_connection(item) for item in items if item.expires_at > now]
