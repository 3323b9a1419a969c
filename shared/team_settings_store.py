"""Team settings' reads and writes: the keys a team has set, as stored, and the version
they were read at (shared.team_settings holds the rules: defaults, validation, the
budget-backed settings).

A write is conditioned on the version read (or on there being no item yet): of two
concurrent writes one wins and the other is a `Conflict` (409), never a silent loss.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.batch import ItemKey
from shared.ids import utcnow
from shared.team_settings_models import SETTINGS_KEY, TeamSettingsItem


class StoredSettings(NamedTuple):
    """What a team's settings item holds: the keys it set, untyped as stored, and what a
    write back is conditioned on."""

    document: dict[str, Any]
    version: int | None
    created_at: datetime


def _stored(item: TeamSettingsItem | None) -> StoredSettings | None:
    if item is None:
        return None
    return StoredSettings(dict(item.document or {}), item.version, item.created_at)


def settings_key(team_id: str) -> ItemKey:
    """The settings item's key, for a caller that reads it in a batch of its own (with the
    budget's) and hands the answer to `get_stored(read=...)`."""
    return (TeamSettingsItem, team_partition(team_id), SETTINGS_KEY)


def get_stored(team_id: str, *, read: Mapping[ItemKey, Any] | None = None) -> StoredSettings | None:
    """The team's settings as last written, None when it set none. Without `read`, a
    consistent GetItem (the version must be current for a write); `read`: a batch read's
    answer holding `settings_key`, no request."""
    if read is not None:
        return _stored(read.get(settings_key(team_id)))
    return _stored(
        get_or_none(TeamSettingsItem, team_partition(team_id), SETTINGS_KEY, consistent=True)
    )


def save_settings(
    team_id: str, document: Mapping[str, Any], *, stored: StoredSettings | None
) -> None:
    """Replace the team's settings with `document`, on condition that the item is still as
    `stored` was read (absent, for None). Conflict when another write landed since."""
    now = utcnow()
    item = TeamSettingsItem(
        team_partition(team_id),
        SETTINGS_KEY,
        team_id=team_id,
        document=dict(document),
        created_at=stored.created_at if stored else now,
        updated_at=now,
    )
    if stored is not None:
        item.version = stored.version
    with storage_errors("settings"):
        item.save()  # conditioned on the version read (or on there being no item yet)
