"""Identifiers: time-sortable (ULID), so a Query on a key prefix lists oldest or newest first."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

from ulid import ULID

_ID_SHAPE = re.compile(r"[0-9A-Za-z]{1,64}")
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


def looks_like_id(value: str) -> bool:
    """Whether `value` has the shape of an id a path may carry (ours, or an older
    store's): a key built from anything else is refused before any table is asked."""
    return _ID_SHAPE.fullmatch(value) is not None


def utcnow() -> datetime:
    return datetime.now(UTC)
