"""Identifiers: time-sortable (ULID), so a Query on a key prefix lists oldest or newest first."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from ulid import ULID

_lock = threading.Lock()
_last = 0


def new_id() -> str:
    """A ULID greater than every one this process made before: two made in the same
    millisecond (a phase's failure and the job's, say) sort in the order they were made,
    which plain ULIDs leave to their random part."""
    global _last
    candidate = int(ULID())
    with _lock:
        candidate = max(candidate, _last + 1)
        _last = candidate
    return str(ULID.from_int(candidate))


def utcnow() -> datetime:
    return datetime.now(UTC)
