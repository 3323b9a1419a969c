"""How agent messages are stored, in the work table. A message is written as four items
in one transaction, each a full copy, so every list is one Query on a key prefix (flat
however long the history) and a read mark updates the four at once:

    pk = TEAM#<team>   sk = AMSG#<message>                          the message
    pk = TEAM#<team>   sk = AMSGTO#<recipient>#<message>            by recipient
    pk = TEAM#<team>   sk = AMSGCH#<channel>#<message>              by channel
    pk = TEAM#<team>   sk = AMSGTOCH#<recipient>#<channel>#<message> by both

Message ids are ULIDs: each prefix lists newest first when read backwards.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from shared.db.base import TeamItem, table_meta


def message_key(message_id: str = "") -> str:
    return f"AMSG#{message_id}"


def recipient_key(recipient: str, message_id: str = "") -> str:
    return f"AMSGTO#{recipient}#{message_id}"


def channel_key(channel: str, message_id: str = "") -> str:
    return f"AMSGCH#{channel}#{message_id}"


def recipient_channel_key(recipient: str, channel: str, message_id: str = "") -> str:
    return f"AMSGTOCH#{recipient}#{channel}#{message_id}"


def all_keys(recipient: str, channel: str, message_id: str) -> tuple[str, ...]:
    return (
        message_key(message_id),
        recipient_key(recipient, message_id),
        channel_key(channel, message_id),
        recipient_channel_key(recipient, channel, message_id),
    )


class AgentMessageItem(TeamItem):
    Meta = table_meta("work")

    message_id = UnicodeAttribute()
    sender_agent_id = UnicodeAttribute()
    recipient_agent_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    subject = UnicodeAttribute()
    body = UnicodeAttribute()
    read_at = UTCDateTimeAttribute(null=True)
