"""Users' notification preferences: one item per user under `TEAM#<team>` /
`NPREFS#<user>`, so the notifier reads every preference of a team in one Query."""

from __future__ import annotations

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.notifications.domain import Preferences
from shared.notifications.models import PREFERENCES_PREFIX, PreferencesItem, preferences_key


def _to_preferences(item: PreferencesItem) -> Preferences:
    return Preferences(
        muted=[str(kind) for kind in item.muted or []],
        in_app_only=[str(kind) for kind in item.in_app_only or []],
        updated_at=item.updated_at,
    )


def get_preferences(team_id: str, user_id: str) -> Preferences:
    """The user's preferences (nothing muted, nothing in-app only, when none are stored)."""
    item = get_or_none(PreferencesItem, team_partition(team_id), preferences_key(user_id))
    return Preferences() if item is None else _to_preferences(item)


def put_preferences(team_id: str, user_id: str, preferences: Preferences) -> Preferences:
    """Replace the user's preferences (last write wins: only the user writes them)."""
    item = PreferencesItem(
        team_partition(team_id),
        preferences_key(user_id),
        team_id=team_id,
        user_id=user_id,
        muted=preferences.muted,
        in_app_only=preferences.in_app_only,
    )
    with storage_errors("preferences"):
        item.save()
    return _to_preferences(item)


def team_preferences(team_id: str) -> dict[str, Preferences]:
    """Every stored preference of the team's users, by user id: one Query."""
    with storage_errors("preferences"):
        return {
            item.user_id: _to_preferences(item)
            for item in PreferencesItem.query(
                team_partition(team_id), PreferencesItem.sk.startswith(PREFERENCES_PREFIX)
            )
        }
