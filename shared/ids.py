"""Identifiers: time-sortable (ULID), so a Query on a key prefix lists oldest or newest first."""

from __future__ import annotations

from datetime import UTC, datetime

from ulid import ULID


def new_id() -> str:
    return str(ULID())


def utcnow() -> datetime:
    return datetime.now(UTC)
