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
from shared.auth.principal import Principal
from shared.errors import Forbidden, NotFound
from shared.identity import opaque
from shared.identity.domain import Credential
from shared.identity.store import credentials
from shared.identity.store.credentials import KIND_NAMES
from shared.ids import new_id, utcnow
from shared.pagination import PageParams


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
    credential = credentials.create_credential(
        team_id=principal.team_id,
        kind=kind,
        credential_id=credential_id,
        name=name,
        prefix=minted.prefix,
        secret_hash=minted.digest,
        role="agent" if kind == opaque.AGENT_TOKEN else principal.role,
        scopes=scopes or (),
        created_by=principal.subject,
        agent_id=agent_id,
    )
    audit.record(
        principal.team_id,
        f"{KIND_NAMES[kind]}.create",
        actor=principal.subject,
        target=credential_id,
        ip=ip,
        name=name,
        scopes=sorted(scopes or ()),
    )
    return Created(credential, minted.token)


def _visible_to(principal: Principal) -> str | None:
    """Whose credentials `principal` sees: an admin the team's (None), a member their own."""
    return None if principal.role == "admin" else principal.subject


def listing(
    principal: Principal, kind: str, params: PageParams
) -> tuple[list[Credential], int, str | None]:
    return credentials.credentials_page(
        principal.team_id, kind, params, created_by=_visible_to(principal)
    )


def get(principal: Principal, kind: str, credential_id: str) -> Credential:
    found = credentials.get_credential(principal.team_id, kind, credential_id)
    if found is None or (principal.role != "admin" and found.created_by != principal.subject):
        raise NotFound(f"{KIND_NAMES[kind].replace('_', ' ')} not found")
    return found


def revoke_all_of(team_id: str, user_id: str, reason: str, *, actor: str, ip: str | None) -> int:
    """Revoke every live API key `user_id` made (they carry the role it was made with);
    how many were."""
    live = credentials.live_api_keys_of(team_id, user_id)
    for credential in live:
        _revoke(credential, actor=actor, ip=ip, reason=reason)
    return len(live)


def revoke(principal: Principal, kind: str, credential_id: str, ip: str | None) -> None:
    credential = get(principal, kind, credential_id)
    if credential.revoked_at is None:
        _revoke(credential, actor=principal.subject, ip=ip)


def _revoke(credential: Credential, *, actor: str, ip: str | None, reason: str = "") -> None:
    credentials.revoke_credential(credential, utcnow())
    detail: dict[str, Any] = {"reason": reason} if reason else {}
    audit.record(
        credential.team_id,
        f"{credential.kind}.revoke",
        actor=actor,
        target=credential.credential_id,
        ip=ip,
        **detail,
    )
