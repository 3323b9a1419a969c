"""How chat is stored, in the work table (every key under the team's partition, and every
sort key names the caller, so one user's items are never read for another):

    pk = TEAM#<team>   sk = CHATTICKET#<ticket>                a ticket (TTL 7 days; its
                                                               user_id is checked on read)
    pk = TEAM#<team>   sk = CHATSESSION#<user>#<session>       a session's configuration
    pk = TEAM#<team>   sk = CONV#<user>#<conversation>         a conversation (ULID: a Query
                                                               on the prefix lists newest first)
    pk = TEAM#<team>   sk = CONVMSG#<conversation>#<message>   a conversation's message
"""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import TeamItem, table_meta

TICKET_PREFIX = "CHATTICKET#"
SESSION_PREFIX = "CHATSESSION#"
CONVERSATION_PREFIX = "CONV#"
MESSAGE_PREFIX = "CONVMSG#"


def ticket_key(ticket_id: str) -> str:
    return f"{TICKET_PREFIX}{ticket_id}"


def session_key(user_id: str, session_id: str) -> str:
    return f"{SESSION_PREFIX}{user_id}#{session_id}"


def conversation_key(user_id: str, conversation_id: str = "") -> str:
    return f"{CONVERSATION_PREFIX}{user_id}#{conversation_id}"


def message_key(conversation_id: str, message_id: str = "") -> str:
    return f"{MESSAGE_PREFIX}{conversation_id}#{message_id}"


class TicketItem(TeamItem):
    Meta = table_meta("work")

    ticket_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    status = UnicodeAttribute()
    provider = UnicodeAttribute()
    model = UnicodeAttribute()
    # [{role, content}]: what is sent (a conversation's recent history included).
    messages = JSONAttribute()
    parameters = JSONAttribute(default=dict)
    session_id = UnicodeAttribute(null=True)
    conversation_id = UnicodeAttribute(null=True)
    result = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    tokens = NumberAttribute(null=True)
    cost_usd = NumberAttribute(null=True)
    completed_at = UTCDateTimeAttribute(null=True)


class SessionItem(TeamItem):
    Meta = table_meta("work")

    user_id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    model = UnicodeAttribute(null=True)
    parameters = JSONAttribute(default=dict)


class ConversationItem(TeamItem):
    Meta = table_meta("work")

    user_id = UnicodeAttribute()
    conversation_id = UnicodeAttribute()
    title = UnicodeAttribute()
    provider = UnicodeAttribute(null=True)
    model = UnicodeAttribute(null=True)
    # Moved by ADD in each message's transaction.
    message_count = NumberAttribute(default=0)


class MessageItem(TeamItem):
    Meta = table_meta("work")

    conversation_id = UnicodeAttribute()
    message_id = UnicodeAttribute()
    role = UnicodeAttribute()
    content = UnicodeAttribute()
    ticket_id = UnicodeAttribute(null=True)
