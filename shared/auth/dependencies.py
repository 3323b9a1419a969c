"""The route dependency that knows who is calling: `CurrentPrincipal`.

A bearer token in `Authorization`, or the HttpOnly `access_token` cookie.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shared.auth.principal import Principal
from shared.auth.tokens import verify_token
from shared.errors import Forbidden, Unauthorized


def authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return verify_token(credentials.strip())
    cookie = request.cookies.get("access_token")
    if cookie:
        return verify_token(cookie)
    raise Unauthorized()


def require_admin(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if principal.role != "admin":
        raise Forbidden("Admins only")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
AdminPrincipal = Annotated[Principal, Depends(require_admin)]
