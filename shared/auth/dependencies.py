"""The route dependencies that say who is calling and whether they may: every route that is
not on the reviewed public list (tests/api/test_route_auth.py) takes one of these.

- ``CurrentPrincipal``: people and their API keys (roles admin and member).
- ``AgentOrUser``: also agents (``X-Agent-Token``, or a token with role agent); only the
  routes marked for agents take it.
- ``AdminPrincipal``: admins only (an API key also needs the ``admin`` scope; a signed-in
  admin of a team that requires it, MFA).

Every one of them refuses (403) an address the team's IP rules refuse
(shared.ip_rules.guard), once the credential names the team.

Credentials, in order: ``X-Agent-Token``; ``Authorization: Bearer`` with an access token
or an API key (``sfk_…``); the HttpOnly ``access_token`` cookie. An API key reads with
``read`` and changes with ``write``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from shared.auth.principal import Principal
from shared.auth.team_security import MFA_NEEDED, admins_need_mfa
from shared.auth.tokens import verify_token
from shared.denials import record_denial
from shared.errors import Forbidden, Unauthorized
from shared.identity import opaque
from shared.ip_rules.guard import enforce_async
from shared.ratelimit import Limit, client_ip

# Seed 004: agent authentication, 20 requests per 60 s per address.
AGENT_AUTH_LIMIT = Limit("agent-auth", requests=20, window_seconds=60)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _agent(token: str, address: str) -> Principal:
    from shared.auth.credentials import principal_for  # PynamoDB: only when one is presented

    AGENT_AUTH_LIMIT.hit(address)
    return principal_for(token, opaque.AGENT_TOKEN)


def _api_key(token: str) -> Principal:
    from shared.auth.credentials import principal_for

    return principal_for(token, opaque.API_KEY)


# Async, so the common case (a cached access token, the team's IP rules in this
# container's copy) costs no thread hop; what needs DynamoDB is read in the thread pool,
# off the event loop.
async def authenticate(request: Request) -> Principal:
    """The caller, once its credential is checked and its team's IP rules let its address
    through (403 otherwise, before the route does anything). From here on a 403 of the
    request is recorded for the caller's team (shared.denials, seed 001's /permissions)."""
    principal = await _identify(request)
    request.state.principal = principal
    request.state.denial_recorder = record_denial
    await enforce_async(principal.team_id, client_ip(request))
    return principal


async def _identify(request: Request) -> Principal:
    agent_token = request.headers.get("x-agent-token")
    if agent_token:
        return await run_in_threadpool(_agent, agent_token.strip(), client_ip(request))
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer" and credentials:
        if opaque.looks_like(credentials, opaque.API_KEY):
            principal = await run_in_threadpool(_api_key, credentials)
            needed = "read" if request.method in SAFE_METHODS else "write"
            if not principal.allows(needed):
                request.state.principal = principal
                request.state.denial_recorder = record_denial
                raise Forbidden(f"This API key lacks the '{needed}' scope")
            return principal
        return verify_token(credentials)
    cookie = request.cookies.get("access_token")
    if cookie:
        return verify_token(cookie)
    raise Unauthorized()


async def require_user(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if principal.role == "agent":
        raise Forbidden("This route is not available to agents")
    return principal


async def require_admin(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if not principal.is_admin:
        raise Forbidden("Admins only")
    if principal.is_user and not principal.mfa and await admins_need_mfa(principal.team_id):
        raise Forbidden(MFA_NEEDED)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_user)]
# Any caller: every role, agents included (one dependency level less on the hot path).
AgentOrUser = Annotated[Principal, Depends(authenticate)]
AdminPrincipal = Annotated[Principal, Depends(require_admin)]
# What the route-auth test accepts as "this route checks its caller"; a route that has
# `authenticate` but neither of the others admits agents.
AUTH_DEPENDENCIES = (authenticate, require_user, require_admin)
