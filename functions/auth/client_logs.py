"""Seed 002's client logs: what a browser or CLI reports (`POST /log/client`) goes to the
service's structured log through the Powertools logger, with where it came from
(`client_host`, `user_agent`) added to its metadata.

Anyone may send one (a client fails before its user signs in, too), so each is capped in
size (its fields, and its metadata as JSON: 413 above) and in rate, per address, in the
shared sliding-log limiter: a client cannot flood the logs or their bill.
"""

from __future__ import annotations

import json
from typing import Any

from shared.errors import PayloadTooLarge
from shared.observability import logger
from shared.ratelimit import Limit

CLIENT_LOG_PER_IP = Limit("client-log-ip", requests=60, window_seconds=60)
MAX_METADATA_BYTES = 8192
MAX_USER_AGENT_CHARS = 512
# The logger's method for each level a client may name (seed 002's "WARN" included).
_LEVELS = {
    "DEBUG": logger.debug,
    "INFO": logger.info,
    "WARN": logger.warning,
    "WARNING": logger.warning,
    "ERROR": logger.error,
    "CRITICAL": logger.critical,
}
LEVELS: tuple[str, ...] = tuple(_LEVELS)


def write_client_log(
    *,
    event_type: str,
    message: str,
    level: str,
    metadata: dict[str, Any] | None,
    client_host: str,
    user_agent: str | None,
) -> None:
    """Write one client log entry at its level; PayloadTooLarge when its metadata is over
    MAX_METADATA_BYTES as JSON. The address's rate is counted by the route, first."""
    enriched = dict(metadata or {})
    size = len(json.dumps(enriched, separators=(",", ":"), default=str).encode())
    if size > MAX_METADATA_BYTES:
        raise PayloadTooLarge(f"metadata is {size} bytes as JSON; at most {MAX_METADATA_BYTES}")
    enriched["client_host"] = client_host
    enriched["user_agent"] = (user_agent or "")[:MAX_USER_AGENT_CHARS] or None
    _LEVELS[level](
        message,
        extra={"client_log": {"event_type": event_type, "level": level, "metadata": enriched}},
    )
