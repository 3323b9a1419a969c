"""API keys and agent tokens, as presented: which principal an opaque credential names.

A credential is read from its team's partition by the id it carries, its hash compared in
constant time; revoked or unknown is the same 401. ``last_used_at`` is written at most
once a minute per credential, so a busy key does not double its cost in writes.
"""

from __future__ import annotations

from datetime import timedelta

from shared.auth.principal import Principal, Role
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.errors import Unauthorized
from shared.identity import opaque
from shared.identity.models import CredentialItem
from shared.ids import utcnow

LAST_USED_GRANULARITY = timedelta(minutes=1)
CREDENTIAL_KEY_PREFIX = {opaque.API_KEY: "APIKEY#", opaque.AGENT_TOKEN: "AGENTTOKEN#"}
INVALID = "Invalid or revoked credential"


def credential_key(kind: str, credential_id: str = "") -> str:
    return f"{CREDENTIAL_KEY_PREFIX[kind]}{credential_id}"


def principal_for(token: str, kind: str) -> Principal:
    """The principal an API key (`sfk_…`) or agent token (`sfa_…`) names; 401 otherwise."""
    presented = opaque.parse(token, kind)
    if presented is None:
        raise Unauthorized(INVALID)
    item = get_or_none(
        CredentialItem, team_partition(presented.team_id), credential_key(kind, presented.item_id)
    )
    if (
        item is None
        or item.revoked_at is not None
        or not opaque.same(item.secret_hash, presented.digest)
    ):
        raise Unauthorized(INVALID)
    _touch(item)
    role: Role = item.role  # type: ignore[assignment]  # written from Role only
    return Principal(
        subject=item.credential_id,
        team_id=item.team_id,
        role=role,
        via="api_key" if kind == opaque.API_KEY else "agent_token",
        scopes=frozenset(item.scopes) if kind == opaque.API_KEY else None,
    )


def _touch(item: CredentialItem) -> None:
    now = utcnow()
    if item.last_used_at is not None and now - item.last_used_at < LAST_USED_GRANULARITY:
        return
    # Not conditional on the version: a lost race only loses a timestamp.
    with storage_errors("credential"):
        item.update(actions=[CredentialItem.last_used_at.set(now)], add_version_condition=False)
