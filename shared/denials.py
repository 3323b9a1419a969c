"""Permission denials (seed 001's `GET /permissions`): a 403 answered to a caller the auth
dependency named is a `permission_denied` audit entry of the caller's team.

`shared.auth.dependencies.authenticate` puts the caller and `record_denial` on the
request's state once it knows them; the kernel's handler of `Forbidden`
(shared.app_factory) calls the recorder, if any, before it answers. A group with no auth
dependency (health, the public rest and hooks) never imports this module, nor the identity
store it writes to. A request whose caller was not named (no credential, or an invalid one)
has no team to record it for, and is only answered. Recording never changes the answer: a
failure to store the entry is logged (shared.audit logs every entry first anyway).
"""

from __future__ import annotations

from fastapi import Request

from shared.auth.principal import Principal
from shared.errors import DomainError
from shared.observability import logger

PERMISSION_DENIED = "permission_denied"


def record_denial(request: Request, reason: str) -> None:
    """The denial of `request` (its caller on the request's state) in the team's audit log."""
    from shared import audit
    from shared.ratelimit import client_ip

    caller = getattr(request.state, "principal", None)
    if not isinstance(caller, Principal):
        return
    try:
        audit.record(
            caller.team_id,
            PERMISSION_DENIED,
            actor=caller.subject,
            outcome="denied",
            target=request.url.path,
            ip=client_ip(request),
            method=request.method,
            role=caller.role,
            reason=reason,
        )
    except DomainError:
        logger.exception("could not store a permission denial")
