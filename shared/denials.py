"""Permission denials, recorded where the 403 answer is produced: every group's handler of
`Forbidden` (installed by shared.app_factory) writes a `permission_denied` audit entry for
the caller's team before it answers, and seed 001's `GET /permissions` reads the newest.

The handler does not get the auth dependency's result, so it names the caller again from
the request's credential, in the dependency's order (`X-Agent-Token`, a Bearer access
token or API key, the access-token cookie), without its side effects: no rate-limit hit,
and an access token verified from the cache the dependency just filled. A request whose
caller cannot be named (no credential, or an invalid one) has no team to record it for,
and is only answered. Recording never changes the answer: a failure to store the entry is
logged (shared.audit logs every entry first anyway).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shared.auth.principal import Principal
from shared.errors import DomainError, Forbidden, error_response
from shared.observability import logger

PERMISSION_DENIED = "permission_denied"


def _caller(request: Request) -> Principal | None:
    from shared.auth.credentials import principal_for
    from shared.auth.tokens import verify_token
    from shared.identity import opaque

    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    try:
        agent_token = request.headers.get("x-agent-token")
        if agent_token:
            return principal_for(agent_token.strip(), opaque.AGENT_TOKEN)
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "bearer" and credentials:
            if opaque.looks_like(credentials, opaque.API_KEY):
                return principal_for(credentials, opaque.API_KEY)
            return verify_token(credentials)
        cookie = request.cookies.get("access_token")
        return verify_token(cookie) if cookie else None
    except DomainError:
        return None


def _audit_denial(request: Request, reason: str) -> None:
    from shared import audit
    from shared.ratelimit import client_ip

    caller = _caller(request)
    if caller is None:
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


async def forbidden_answer(request: Request, exc: Exception) -> JSONResponse:
    """The 403 answer of a `Forbidden`, once the denial is in the team's audit log."""
    assert isinstance(exc, Forbidden)
    await run_in_threadpool(_audit_denial, request, exc.detail)
    return error_response(request, exc.status_code, exc.detail, exc.headers)
