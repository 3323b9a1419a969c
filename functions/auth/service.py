"""Service tokens from the admin key (seed 001's `POST /auth/token`)."""

from __future__ import annotations

import hmac

from shared.auth.principal import Principal, Role
from shared.auth.tokens import issue_token
from shared.errors import ServiceUnavailable, Unauthorized
from shared.settings import get_settings


def service_token(admin_key: str | None, team_id: str, role: Role) -> tuple[str, int]:
    configured = get_settings().admin_api_key
    if configured is None or not configured.get_secret_value():
        raise ServiceUnavailable("no admin key is configured")
    # Constant time: how much of a guess matched must not show in the timing.
    if admin_key is None or not hmac.compare_digest(
        admin_key.encode(), configured.get_secret_value().encode()
    ):
        raise Unauthorized("Invalid admin key")
    ttl = get_settings().service_token_hours * 3600
    principal = Principal(subject=f"service:{team_id}", team_id=team_id, role=role)
    return issue_token(principal, ttl_seconds=ttl), ttl
