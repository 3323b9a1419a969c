"""The rules of a user's preferences: each entry names a type, a prefix (`job.*`) or `*`
of the catalog, checked as a rule's event is (422 naming the known types otherwise)."""

from __future__ import annotations

from collections.abc import Sequence

from shared.event_rules.patterns import WILDCARD, check_event
from shared.notifications import preferences_store
from shared.notifications.domain import Preferences

MAX_ENTRIES = 100


def get_preferences(team_id: str, user_id: str) -> Preferences:
    return preferences_store.get_preferences(team_id, user_id)


def put_preferences(
    team_id: str, user_id: str, *, muted: Sequence[str], in_app_only: Sequence[str]
) -> Preferences:
    for kind in (*muted, *in_app_only):
        check_event(kind)
    wanted = Preferences(
        muted=list(dict.fromkeys(muted)), in_app_only=list(dict.fromkeys(in_app_only))
    )
    return preferences_store.put_preferences(team_id, user_id, wanted)


def names(entries: Sequence[str], kind: str) -> bool:
    """Whether one of the entries (types, prefixes or `*`) names the event type `kind`."""
    return any(
        entry in (WILDCARD, kind) or (entry.endswith(".*") and kind.startswith(entry[:-1]))
        for entry in entries
    )
