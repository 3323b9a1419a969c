"""Service tokens from the admin key (seed 001's `POST /auth/token`)."""

from __future__ import annotations

import hmac
from functools import cache
from typing import TYPE_CHECKING

from shared import audit
from shared.auth.principal import Principal, Role
from shared.auth.tokens import issue_token
from shared.errors import ServiceUnavailable, Unauthorized
from shared.observability import logger
from shared.ratelimit import Limit
from shared.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

ADMIN_KEY_CACHE_SECONDS = 300
# Guessing the admin key: a few attempts a minute per address.
ADMIN_KEY_PER_IP = Limit("admin-key-ip", requests=30, window_seconds=60)


def configured_admin_key() -> str | None:
    """The admin key: from settings, or its secret (cached a few minutes, so a rotated key
    is picked up without a call per request)."""
    settings = get_settings()
    if settings.admin_api_key is not None:
        return settings.admin_api_key.get_secret_value() or None
    if not settings.admin_api_key_secret:
        return None
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    try:
        value = _secrets().get(settings.admin_api_key_secret, max_age=ADMIN_KEY_CACHE_SECONDS)
    except GetParameterError as exc:  # its text may quote AWS's: not passed on
        logger.warning("admin key secret unreadable")
        raise ServiceUnavailable("The admin key cannot be read; try again shortly") from exc
    return str(value) or None


@cache
def _secrets() -> SecretsProvider:
    """Powertools' Secrets Manager cache, over the project's client (its timeouts, traced).
    Imported on first use: the parameters utility costs ~5 ms, which only the admin-key
    route should pay."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    from shared.aws import client

    return SecretsProvider(boto3_client=client("secretsmanager"))


def forget_admin_key() -> None:
    """Drop the cached admin key (tests that swap the secret)."""
    _secrets.cache_clear()


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
