"""How collaboration sessions are stored, in the work table (every key under the team):

    pk = TEAM#<team>  sk = COLLAB#<session>                 the session, its shared context
                                                             and how many messages it has
    pk = TEAM#<team>  sk = COLLABST#<status>#<session>      the session's summary under its
                                                             status (GET /collaboration?status=:
                                                             one Query of that prefix)
    pk = TEAM#<team>  sk = COLLABMSG#<session>#<message>    a message of the session
    pk = TEAM#<team>  sk = COUNT#COLLAB#<status>            how many sessions (ADD only)

Session and message ids are ULIDs: each prefix lists newest first when read backwards.
The session, its status item and the counters change in one transaction, conditioned on
the status read; a message is written with an update of its session conditioned on the
session being active, so a message can never land in a closed session.
"""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import TeamItem, table_meta

SESSION_PREFIX = "COLLAB#"


def session_key(session_id: str = "") -> str:
    return f"{SESSION_PREFIX}{session_id}"


def status_key(status: str, session_id: str = "") -> str:
    return f"COLLABST#{status}#{session_id}"


def message_key(session_id: str, message_id: str = "") -> str:
    return f"COLLABMSG#{session_id}#{message_id}"


def count_key(status: str) -> str:
    return f"COUNT#COLLAB#{status}"


class _SessionFields(TeamItem):
    """What a session and its status item both hold (the summary a list answers)."""

    session_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    participants = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute()
    created_by = UnicodeAttribute()
    closed_at = UTCDateTimeAttribute(null=True)


class SessionItem(_SessionFields):
    Meta = table_meta("work")

    context = JSONAttribute(default=dict)
    message_count = NumberAttribute(default=0)


class SessionStatusItem(_SessionFields):
    """A copy of the session's summary under its status (no context: lists stay small)."""

    Meta = table_meta("work")


class SessionMessageItem(TeamItem):
    Meta = table_meta("work")

    session_id = UnicodeAttribute()
    message_id = UnicodeAttribute()
    agent_id = UnicodeAttribute()
    message = UnicodeAttribute()
    message_type = UnicodeAttribute()


class SessionCounterItem(TeamItem):
    """How many of the team's sessions have one status (only ever ADDed)."""

    Meta = table_meta("work")

    total = NumberAttribute(default=0)
