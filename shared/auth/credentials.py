"""API keys and agent tokens, as presented: which principal an opaque credential names.

A credential is read from its team's partition by the id it carries, its hash compared in
constant time; revoked or unknown is the same 401. ``last_used_at`` is written at most
once a minute per credential, so a busy key does not double its cost in writes.
"""

from __future__ import annotations

from datetime import timedelta

from shared.auth.principal import Principal, Role
from shared.errors import Unauthorized
from shared.identity import opaque
from shared.identity.domain import Credential
from shared.identity.store import credentials
from shared.ids import utcnow

LAST_USED_GRANULARITY = timedelta(minutes=1)
INVALID = "Invalid or revoked credential"


def principal_for(token: str, kind: str) -> Principal:
    """The principal an API key (`sfk_…`) or agent token (`sfa_…`) names; 401 otherwise."""
    presented = opaque.parse(token, kind)
    if presented is None:
        raise Unauthorized(INVALID)
    found = credentials.get_hashed(presented.team_id, kind, presented.item_id)
    if (
        found is None
        or found.credential.revoked_at is not None
        or not opaque.same(found.secret_hash, presented.digest)
    ):
        raise Unauthorized(INVALID)
    credential = found.credential
    _touch(credential)
    return _principal(credential, kind)


def principal_again(principal: Principal) -> Principal:
    """The principal of an API key or agent token presented earlier, read again by its id
    (a long-lived WebSocket connection checks its key this way, holding no secret); 401
    when it was revoked since."""
    kind = opaque.API_KEY if principal.via == "api_key" else opaque.AGENT_TOKEN
    credential = credentials.get_credential(principal.team_id, kind, principal.subject)
    if credential is None or credential.revoked_at is not None:
        raise Unauthorized(INVALID)
    return _principal(credential, kind)


def _principal(credential: Credential, kind: str) -> Principal:
    role: Role = credential.role  # type: ignore[assignment]  # written from Role only
    return Principal(
        subject=credential.credential_id,
        team_id=credential.team_id,
        role=role,
        via="api_key" if kind == opaque.API_KEY else "agent_token",
        scopes=credential.scopes if kind == opaque.API_KEY else None,
    )


def _touch(credential: Credential) -> None:
    now = utcnow()
    last = credential.last_used_at
    if last is not None and now - last < LAST_USED_GRANULARITY:
        return
    credentials.touch_credential(credential, now)
