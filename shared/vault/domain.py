"""Vault secrets as the services see them, and the limits both sides keep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

# A name as `{{secrets.NAME}}` spells it: a letter, then letters, digits, `_` or `-`. Case
# matters (API_KEY and api_key are two secrets).
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,99}$"
MAX_NAME_CHARS = 100
# Secrets Manager takes at most 64 KiB per secret string; the value and its JSON wrapping
# stay well under it.
MAX_VALUE_CHARS = 32 * 1024
DEFAULT_CATEGORY = "general"
# What answers show in place of the value: a fixed mask, never a part of it.
VALUE_PREVIEW: Final = "****"
# `GET /secrets/expiring?days=` looks this far ahead at most (and by default 30 days).
MAX_EXPIRING_DAYS = 3650
DEFAULT_EXPIRING_DAYS = 30


@dataclass(frozen=True, slots=True)
class VaultSecret:
    """A secret's metadata. `value_version` counts the values it has had (1 at creation,
    one more per rotation); `secret_version` is the Secrets Manager version holding the
    current value (shared.vault.values); `version` the stored item's, for a conditional
    write. The value itself is never here."""

    team_id: str
    id: str
    name: str
    category: str
    description: str
    expires_at: datetime | None
    value_version: int
    secret_version: str
    rotated_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    last_revealed_at: datetime | None = None
    last_revealed_by: str | None = None
    version: int = 0

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now
