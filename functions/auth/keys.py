"""API keys and agent tokens: created (secret shown once), listed, revoked.

Only a signed-in person creates a credential (never another key), and never with more
than they hold: an API key's role is its creator's, ``admin`` scope needs an admin.
Agent tokens are for agent identities (role agent) and only admins make them. Members see
and revoke their own credentials; admins, the team's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared import audit
from shared.auth.credentials import credential_key
from shared.auth.principal import Principal
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import query_page
from shared.errors import Forbidden, NotFound
from shared.identity import opaque
from shared.identity.domain import Credential
from shared.identity.models import CredentialItem
from shared.ids import new_id, utcnow
from shared.pagination import PageParams

KIND_NAMES = {opaque.API_KEY: "api_key", opaque.AGENT_TOKEN: "agent_token"}


@dataclass(frozen=True, slots=True)
class Created:
    credential: Credential
    secret: str


def create(
    principal: Principal,
    kind: str,
    name: str,
    *,
    scopes: set[str] | None = None,
    agent_id: str | None = None,
    ip: str | None = None,
) -> Created:
    if principal.via != "jwt":
        raise Forbidden("Credentials are created by a signed-in user, not by another key")
    if kind == opaque.AGENT_TOKEN and principal.role != "admin":
        raise Forbidden("Admins only")
    if scopes and "admin" in scopes and principal.role != "admin":
        raise Forbidden("Only admins can create keys with the admin scope")
    credential_id = new_id()
    minted = opaque.mint(kind, principal.team_id, credential_id)
    item = CredentialItem(
        team_partition(principal.team_id),
        credential_key(kind, credential_id),
        team_id=principal.team_id,
        credential_id=credential_id,
        kind=KIND_NAMES[kind],
        name=name,
        prefix=minted.prefix,
        secret_hash=minted.digest,
        role="agent" if kind == opaque.AGENT_TOKEN else principal.role,
        scopes=scopes or set(),
        created_by=principal.subject,
        agent_id=agent_id,
    )
    with storage_errors("credential"):
        item.save(condition=CredentialItem.pk.does_not_exist())
    audit.record(
        principal.team_id,
        f"{KIND_NAMES[kind]}.create",
        actor=principal.subject,
        target=credential_id,
        ip=ip,
        name=name,
        scopes=sorted(scopes or ()),
    )
    return Created(Credential.of(item), minted.token)


def _visible_to(principal: Principal) -> object:
    return None if principal.role == "admin" else CredentialItem.created_by == principal.subject


def listing(
    principal: Principal, kind: str, params: PageParams
) -> tuple[list[Credential], int, str | None]:
    condition = _visible_to(principal)
    items, total, cursor = query_page(
        CredentialItem,
        team_partition(principal.team_id),
        params,
        range_key_condition=CredentialItem.sk.startswith(credential_key(kind)),
        filter_condition=condition,  # type: ignore[arg-type]
    )
    return [Credential.of(item) for item in items], total, cursor


def get(principal: Principal, kind: str, credential_id: str) -> Credential:
    return Credential.of(_item(principal, kind, credential_id))


def _item(principal: Principal, kind: str, credential_id: str) -> CredentialItem:
    item = get_or_none(
        CredentialItem, team_partition(principal.team_id), credential_key(kind, credential_id)
    )
    if item is None or (principal.role != "admin" and item.created_by != principal.subject):
        raise NotFound(f"{KIND_NAMES[kind].replace('_', ' ')} not found")
    return item


def revoke_all_of(team_id: str, user_id: str, reason: str, *, actor: str, ip: str | None) -> int:
    """Revoke every live API key `user_id` made (they carry the role it was made with);
    how many were."""
    revoked = 0
    with storage_errors("credential"):
        live = CredentialItem.query(
            team_partition(team_id),
            CredentialItem.sk.startswith(credential_key(opaque.API_KEY)),
            filter_condition=(CredentialItem.created_by == user_id)
            & CredentialItem.revoked_at.does_not_exist(),
        )
        for item in live:
            _revoke(item, actor=actor, ip=ip, reason=reason)
            revoked += 1
    return revoked


def revoke(principal: Principal, kind: str, credential_id: str, ip: str | None) -> None:
    item = _item(principal, kind, credential_id)
    if item.revoked_at is None:
        _revoke(item, actor=principal.subject, ip=ip)


def _revoke(item: CredentialItem, *, actor: str, ip: str | None, reason: str = "") -> None:
    with storage_errors("credential"):
        item.update(actions=[CredentialItem.revoked_at.set(utcnow())], add_version_condition=False)
    detail: dict[str, Any] = {"reason": reason} if reason else {}
    audit.record(
        item.team_id, f"{item.kind}.revoke", actor=actor, target=item.credential_id, ip=ip, **detail
    )
