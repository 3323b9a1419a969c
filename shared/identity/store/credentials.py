"""API keys' and agent tokens' storage. The only code that reads or writes them; it
answers `Credential` (and, to check a presented secret, `HashedCredential`).

`kind` here is the opaque token kind (`opaque.API_KEY`, `opaque.AGENT_TOKEN`); a
`Credential` names its kind in words (`api_key`, `agent_token`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from shared.db.base import get_or_none, insert, storage_errors, team_partition
from shared.db.query import query_page
from shared.identity import opaque
from shared.identity.domain import Credential, HashedCredential
from shared.identity.models import CredentialItem
from shared.pagination import PageParams

CREDENTIAL_KEY_PREFIX = {opaque.API_KEY: "APIKEY#", opaque.AGENT_TOKEN: "AGENTTOKEN#"}
KIND_NAMES = {opaque.API_KEY: "api_key", opaque.AGENT_TOKEN: "agent_token"}
_KINDS = {name: kind for kind, name in KIND_NAMES.items()}


def credential_key(kind: str, credential_id: str = "") -> str:
    return f"{CREDENTIAL_KEY_PREFIX[kind]}{credential_id}"


def _credential(item: CredentialItem) -> Credential:
    return Credential(
        credential_id=item.credential_id,
        team_id=item.team_id,
        kind=item.kind,
        name=item.name,
        prefix=item.prefix,
        role=item.role,
        scopes=frozenset(item.scopes or ()),
        agent_id=item.agent_id,
        created_by=item.created_by,
        created_at=item.created_at,
        last_used_at=item.last_used_at,
        revoked_at=item.revoked_at,
    )


def _key(credential: Credential) -> CredentialItem:
    """The credential's key, to update without reading. No write here is conditioned on
    the version; DynamoDB adds 1 to the stored one all the same."""
    return CredentialItem(
        team_partition(credential.team_id),
        credential_key(_KINDS[credential.kind], credential.credential_id),
        version=0,
    )


def create_credential(
    *,
    team_id: str,
    kind: str,
    credential_id: str,
    name: str,
    prefix: str,
    secret_hash: str,
    role: str,
    scopes: Iterable[str],
    created_by: str,
    agent_id: str | None,
) -> Credential:
    item = CredentialItem(
        team_partition(team_id),
        credential_key(kind, credential_id),
        team_id=team_id,
        credential_id=credential_id,
        kind=KIND_NAMES[kind],
        name=name,
        prefix=prefix,
        secret_hash=secret_hash,
        role=role,
        scopes=set(scopes),
        created_by=created_by,
        agent_id=agent_id,
    )
    return _credential(insert(item, "credential"))


def get_credential(team_id: str, kind: str, credential_id: str) -> Credential | None:
    found = get_hashed(team_id, kind, credential_id)
    return None if found is None else found.credential


def get_hashed(team_id: str, kind: str, credential_id: str) -> HashedCredential | None:
    """The credential with its hash, to check a presented secret against."""
    item = get_or_none(CredentialItem, team_partition(team_id), credential_key(kind, credential_id))
    return None if item is None else HashedCredential(_credential(item), item.secret_hash)


def credentials_page(
    team_id: str, kind: str, params: PageParams, *, created_by: str | None = None
) -> tuple[list[Credential], int, str | None]:
    """The team's credentials of `kind`, newest first; only `created_by`'s when given."""
    items, total, cursor = query_page(
        CredentialItem,
        team_partition(team_id),
        params,
        range_key_condition=CredentialItem.sk.startswith(credential_key(kind)),
        filter_condition=None if created_by is None else CredentialItem.created_by == created_by,
    )
    return [_credential(item) for item in items], total, cursor


def live_api_keys_of(team_id: str, user_id: str) -> list[Credential]:
    """The API keys `user_id` made that are not revoked."""
    with storage_errors("credential"):
        live = CredentialItem.query(
            team_partition(team_id),
            CredentialItem.sk.startswith(credential_key(opaque.API_KEY)),
            filter_condition=(CredentialItem.created_by == user_id)
            & CredentialItem.revoked_at.does_not_exist(),
        )
        return [_credential(item) for item in live]


def revoke_credential(credential: Credential, at: datetime) -> None:
    with storage_errors("credential"):
        _key(credential).update(
            actions=[CredentialItem.revoked_at.set(at)], add_version_condition=False
        )


def touch_credential(credential: Credential, at: datetime) -> None:
    """Record a use. Not conditional on the version: a lost race only loses a timestamp."""
    with storage_errors("credential"):
        _key(credential).update(
            actions=[CredentialItem.last_used_at.set(at)], add_version_condition=False
        )
