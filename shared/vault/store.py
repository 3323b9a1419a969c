"""The vault's metadata storage (keys in shared.vault.models): the only module of the area
that touches the table; domain objects out."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from pynamodb.transactions import TransactWrite

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import prefix_page, query_page
from shared.db.transactions import condition_failed, transact
from shared.errors import Conflict
from shared.ids import looks_like_id, utcnow
from shared.pagination import PageParams
from shared.vault.domain import VaultSecret
from shared.vault.models import (
    COUNT_KEY,
    VAULT_PREFIX,
    VaultCountItem,
    VaultNameItem,
    VaultSecretItem,
    expiry_partition,
    name_key,
    secret_key,
)


def _taken(name: str) -> Conflict:
    return Conflict(f"a secret named {name!r} already exists")


def _expiry_sort_key(expires_at: datetime, secret_id: str) -> str:
    # One fixed width, so the strings sort as the times do.
    return f"{expires_at.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{secret_id}"


def _to_secret(item: VaultSecretItem) -> VaultSecret:
    return VaultSecret(
        team_id=item.team_id,
        id=item.secret_id,
        name=item.name,
        category=item.category,
        description=item.description or "",
        expires_at=item.valid_until,
        value_version=int(item.value_version),
        secret_version=item.secret_version,
        rotated_at=item.rotated_at,
        created_by=item.created_by,
        created_at=item.created_at,
        updated_at=item.updated_at,
        last_revealed_at=item.last_revealed_at,
        last_revealed_by=item.last_revealed_by,
        version=int(item.version or 0),
    )


def _count(transaction: TransactWrite, team_id: str, delta: int) -> None:
    transaction.update(
        VaultCountItem(team_partition(team_id), COUNT_KEY),
        actions=[VaultCountItem.total.add(delta), VaultCountItem.team_id.set(team_id)],
        add_version_condition=False,
    )


def _claim(secret: VaultSecret) -> VaultNameItem:
    return VaultNameItem(
        team_partition(secret.team_id),
        name_key(secret.name),
        team_id=secret.team_id,
        secret_id=secret.id,
    )


def create_secret(secret: VaultSecret) -> VaultSecret:
    """The secret, its name's claim and the team's count, in one transaction (Conflict when
    the name is taken)."""
    item = VaultSecretItem(
        team_partition(secret.team_id),
        secret_key(secret.id),
        team_id=secret.team_id,
        secret_id=secret.id,
        name=secret.name,
        category=secret.category,
        description=secret.description,
        valid_until=secret.expires_at,
        value_version=secret.value_version,
        secret_version=secret.secret_version,
        rotated_at=secret.rotated_at,
        created_by=secret.created_by,
        created_at=secret.created_at,
        updated_at=secret.updated_at,
    )
    if secret.expires_at is not None:
        item.gsi1pk = expiry_partition(secret.team_id)
        item.gsi1sk = _expiry_sort_key(secret.expires_at, secret.id)

    def write(transaction: TransactWrite) -> None:
        transaction.save(item, condition=VaultSecretItem.pk.does_not_exist())
        transaction.save(_claim(secret), condition=VaultNameItem.pk.does_not_exist())
        _count(transaction, secret.team_id, 1)

    reasons = transact(write, what="vault secret")
    if condition_failed(reasons, 1):
        raise _taken(secret.name)
    if reasons:
        raise Conflict("the secret was stored by another request")
    return replace(secret, version=1)


def get_secret(team_id: str, secret_id: str, *, consistent: bool = False) -> VaultSecret | None:
    if not looks_like_id(secret_id):
        return None
    item = get_or_none(
        VaultSecretItem, team_partition(team_id), secret_key(secret_id), consistent=consistent
    )
    return None if item is None else _to_secret(item)


def secret_by_name(team_id: str, name: str) -> VaultSecret | None:
    """The team's secret named `name` (its claim, then the secret: two GetItems)."""
    claim = get_or_none(VaultNameItem, team_partition(team_id), name_key(name))
    if claim is None:
        return None
    return get_secret(team_id, claim.secret_id)


def names_taken(team_id: str, names: set[str]) -> set[str]:
    """Which of `names` the team's secrets hold (one BatchGetItem of their claims)."""
    if not names:
        return set()
    keys = [(team_partition(team_id), name_key(name)) for name in sorted(names)]
    with storage_errors("vault secret"):
        found = VaultNameItem.batch_get(keys)
        return {item.sk.removeprefix(name_key("")) for item in found}


def count_secrets(team_id: str) -> int:
    item = get_or_none(VaultCountItem, team_partition(team_id), COUNT_KEY)
    return 0 if item is None else max(int(item.total or 0), 0)


def list_secrets(team_id: str, params: PageParams) -> tuple[list[VaultSecret], int, str | None]:
    """The team's secrets newest first (one Query of the prefix), the total counted."""
    items, cursor = prefix_page(VaultSecretItem, team_partition(team_id), VAULT_PREFIX, params)
    return [_to_secret(item) for item in items], count_secrets(team_id), cursor


def expiring_by(
    team_id: str, until: datetime, params: PageParams
) -> tuple[list[VaultSecret], int, str | None]:
    """The team's secrets with an expiry at or before `until`, soonest first (one Query of
    the sparse expiry index)."""
    bound = _expiry_sort_key(until, "~")  # "~" sorts after every id
    items, total, cursor = query_page(
        VaultSecretItem.expiring,
        expiry_partition(team_id),
        params,
        range_key_condition=VaultSecretItem.gsi1sk <= bound,
        newest_first=False,
    )
    return [_to_secret(item) for item in items], total, cursor


def _fields(secret: VaultSecret) -> dict[str, Any]:
    return {
        "name": secret.name,
        "category": secret.category,
        "description": secret.description,
        "value_version": secret.value_version,
        "secret_version": secret.secret_version,
    }


def update_secret(current: VaultSecret, changed: VaultSecret) -> VaultSecret | None:
    """Write `changed`'s fields over `current` (as read), on condition that it is still at
    that version (None: deleted meanwhile; Conflict: changed meanwhile, or a new name
    already taken). A new name moves the claim in the same transaction."""
    now = utcnow()
    keys = VaultSecretItem(team_partition(changed.team_id), secret_key(changed.id))
    keys.version = current.version
    actions: list[Any] = [
        getattr(VaultSecretItem, name).set(value) for name, value in _fields(changed).items()
    ]
    actions.append(VaultSecretItem.updated_at.set(now))
    for name, value in (("rotated_at", changed.rotated_at), ("valid_until", changed.expires_at)):
        attribute = getattr(VaultSecretItem, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    if changed.expires_at is None:
        actions += [VaultSecretItem.gsi1pk.remove(), VaultSecretItem.gsi1sk.remove()]
    else:
        actions += [
            VaultSecretItem.gsi1pk.set(expiry_partition(changed.team_id)),
            VaultSecretItem.gsi1sk.set(_expiry_sort_key(changed.expires_at, changed.id)),
        ]
    renamed = changed.name != current.name

    def write(transaction: TransactWrite) -> None:
        transaction.update(keys, actions=list(actions), condition=VaultSecretItem.pk.exists())
        if renamed:
            transaction.delete(
                VaultNameItem(team_partition(current.team_id), name_key(current.name)),
                condition=VaultNameItem.secret_id == current.id,
                add_version_condition=False,
            )
            transaction.save(_claim(changed), condition=VaultNameItem.pk.does_not_exist())

    reasons = transact(write, what="vault secret")
    if reasons:
        # Order: deletes, puts, updates (shared.db.transactions).
        if renamed and condition_failed(reasons, 1):
            raise _taken(changed.name)
        if get_secret(changed.team_id, changed.id, consistent=True) is None:
            return None
        raise Conflict("the secret was changed by another request; reload and retry")
    return replace(changed, updated_at=now, version=current.version + 1)


def mark_revealed(secret: VaultSecret, actor: str, at: datetime) -> None:
    """Note who last revealed the value and when (whatever else changed meanwhile)."""
    keys = VaultSecretItem(team_partition(secret.team_id), secret_key(secret.id))
    keys.version = secret.version  # not a condition (below): the version moves on
    try:
        with storage_errors("vault secret"):
            keys.update(
                [
                    VaultSecretItem.last_revealed_at.set(at),
                    VaultSecretItem.last_revealed_by.set(actor),
                ],
                condition=VaultSecretItem.pk.exists(),
                add_version_condition=False,
            )
    except Conflict:
        pass  # deleted meanwhile: nothing to mark


def delete_secret(secret: VaultSecret) -> bool:
    """Whether it was still there to delete (it, its claim and the count in one transaction)."""

    def write(transaction: TransactWrite) -> None:
        transaction.delete(
            VaultSecretItem(team_partition(secret.team_id), secret_key(secret.id)),
            condition=VaultSecretItem.pk.exists(),
            add_version_condition=False,
        )
        transaction.delete(
            VaultNameItem(team_partition(secret.team_id), name_key(secret.name)),
            condition=VaultNameItem.secret_id == secret.id,
            add_version_condition=False,
        )
        _count(transaction, secret.team_id, -1)

    return not transact(write, what="vault secret")
