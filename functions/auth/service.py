"""Service tokens from the admin key (seed 001's `POST /auth/token`)."""

from __future__ import annotations

import hmac
import time

from shared import audit
from shared.auth.principal import Principal, Role
from shared.auth.tokens import issue_token
from shared.errors import ServiceUnavailable, Unauthorized
from shared.observability import logger
from shared.ratelimit import Limit
from shared.settings import get_settings

ADMIN_KEY_CACHE_SECONDS = 300
_admin_key: tuple[float, str] | None = None
# Guessing the admin key: a few attempts a minute per address.
ADMIN_KEY_PER_IP = Limit("admin-key-ip", requests=30, window_seconds=60)


def configured_admin_key() -> str | None:
    """The admin key: from settings, or its secret (cached a few minutes, so a rotated key
    is picked up without a call per request)."""
    global _admin_key
    settings = get_settings()
    if settings.admin_api_key is not None:
        return settings.admin_api_key.get_secret_value() or None
    if not settings.admin_api_key_secret:
        return None
    if _admin_key is None or time.monotonic() - _admin_key[0] > ADMIN_KEY_CACHE_SECONDS:
        from shared.aws import client

        value = client("secretsmanager").get_secret_value(SecretId=settings.admin_api_key_secret)[
            "SecretString"
        ]
        _admin_key = (time.monotonic(), str(value))
    return _admin_key[1] or None


def service_token(admin_key: str | None, team_id: str, role: Role, ip: str) -> tuple[str, int]:
    configured = configured_admin_key()
    if configured is None:
        raise ServiceUnavailable("no admin key is configured")
    ADMIN_KEY_PER_IP.hit(ip)
    # Constant time: how much of a guess matched must not show in the timing.
    if admin_key is None or not hmac.compare_digest(admin_key.encode(), configured.encode()):
        logger.warning("admin key refused", extra={"ip": ip})
        raise Unauthorized("Invalid admin key")
    ttl = get_settings().service_token_hours * 3600
    principal = Principal(subject=f"service:{team_id}", team_id=team_id, role=role)
    token = issue_token(principal, ttl_seconds=ttl)
    audit.record(team_id, "service_token.issue", actor="admin-key", ip=ip, role=role)
    return token, ttl
