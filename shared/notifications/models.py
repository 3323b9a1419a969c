"""How the inbox, rules and preferences are stored, in the events table (layout fixed by
issue 13's design note):

    pk = INBOX#<team>#<user>   sk = NOTE#<id>     an inbox item (ULID: newest first)
        gsi1pk = UNREAD#<team>#<user>  gsi1sk = <id>   while unread only (a sparse index)
    pk = INBOX#<team>#<user>   sk = UNREAD        the user's unread count, moved by ADD in
                                                  the transaction that adds or reads an item
    pk = TEAM#<team>           sk = NRULE#<id>    a rule (or a team's change to a built-in)
    pk = RULE#<team>#<event>   sk = NRULE#<id>    the rule's copy the notifier matches on,
                                                  written in the rule's own transaction
    pk = TEAM#<team>           sk = NPREFS#<user> a user's preferences

The rule index shares its partitions with the event triggers' (`TRIGGER#<id>`): each reads
its own sort-key prefix only.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from shared.db.base import Gsi1Index, TeamItem, table_meta, utcnow

NOTE_PREFIX = "NOTE#"
RULE_PREFIX = "NRULE#"
PREFERENCES_PREFIX = "NPREFS#"
UNREAD = "UNREAD"


def inbox_partition(team_id: str, user_id: str) -> str:
    return f"INBOX#{team_id}#{user_id}"


def unread_partition(team_id: str, user_id: str) -> str:
    return f"UNREAD#{team_id}#{user_id}"


def note_key(note_id: str = "") -> str:
    return f"{NOTE_PREFIX}{note_id}"


def rule_key(rule_id: str = "") -> str:
    return f"{RULE_PREFIX}{rule_id}"


def preferences_key(user_id: str = "") -> str:
    return f"{PREFERENCES_PREFIX}{user_id}"


class NoteItem(Model):
    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    note_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    read = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    event_id = UnicodeAttribute(null=True)
    rule_id = UnicodeAttribute(null=True)
    link = UnicodeAttribute(null=True)
    # Set while unread (the unread list and read-all Query it), removed when read.
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    # Set when read: an unread item is kept, so the unread count never counts a gone item.
    expires_at = TTLAttribute(null=True)

    unread: Gsi1Index[NoteItem] = Gsi1Index()


class UnreadItem(Model):
    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=UNREAD)
    unread = NumberAttribute(default=0)


class RuleAttributes:
    """A rule's own fields, stored alike in the rule and in its index copy (PynamoDB takes
    a model's attributes from its bases, this one included)."""

    rule_id = UnicodeAttribute()
    name = UnicodeAttribute()
    event = UnicodeAttribute()
    filters = JSONAttribute(default=dict)
    channel_ids = ListAttribute(of=UnicodeAttribute, default=list)
    # [{"type": "user", "user_id"} | {"type": "role", "role"} | {"type": "team"}]
    recipients = JSONAttribute(default=list)
    enabled = BooleanAttribute(default=True)
    builtin = BooleanAttribute(default=False)


class RuleItem(RuleAttributes, TeamItem):
    Meta = table_meta("events")


class RuleIndexItem(RuleAttributes, Model):
    """What the notifier needs of a rule (all of it), under the partition its event pattern
    names."""

    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()


class PreferencesItem(Model):
    """Written whole by its user only (last write wins): no version to condition on."""

    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute(default=utcnow)
    muted = ListAttribute(of=UnicodeAttribute, default=list)
    in_app_only = ListAttribute(of=UnicodeAttribute, default=list)
