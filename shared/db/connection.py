"""The PynamoDB connection that transactions go through: one per container."""

from __future__ import annotations

from functools import cache

from pynamodb.connection import Connection

from shared.db.base import CONNECT_TIMEOUT_SECONDS, MAX_RETRY_ATTEMPTS, READ_TIMEOUT_SECONDS
from shared.settings import get_settings


@cache
def connection() -> Connection:
    """One connection (one botocore client, built on first use) with the models' timeouts
    and retries: a transaction must not wait longer on a stuck connection than a GetItem."""
    return Connection(
        region=get_settings().aws_region,
        connect_timeout_seconds=CONNECT_TIMEOUT_SECONDS,
        read_timeout_seconds=READ_TIMEOUT_SECONDS,
        max_retry_attempts=MAX_RETRY_ATTEMPTS,
    )
