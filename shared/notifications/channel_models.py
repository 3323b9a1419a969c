"""How notification channels and their deliveries are stored, in the events table (layout
fixed by issue 13's design note):

    pk = TEAM#<team>       sk = CHANNEL#<id>          a channel (no secret: those are in
                                                       Secrets Manager, shared.notifications
                                                       .channel_secrets)
    pk = CHANNEL#<id>      sk = DELIVERY#<delivery>   a delivery and its attempts (TTL 30 days)
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from shared.db.base import TeamItem, table_meta

CHANNEL_PREFIX = "CHANNEL#"
DELIVERY_PREFIX = "DELIVERY#"


def channel_key(channel_id: str = "") -> str:
    return f"{CHANNEL_PREFIX}{channel_id}"


def delivery_key(delivery_id: str = "") -> str:
    return f"{DELIVERY_PREFIX}{delivery_id}"


class ChannelItem(TeamItem):
    Meta = table_meta("events")

    channel_id = UnicodeAttribute()
    name = UnicodeAttribute()
    channel_type = UnicodeAttribute()
    # The config fields that are no secret ({"to": [...]}, {"chat_id": ...}).
    settings = JSONAttribute(default=dict)
    # Each secret field's masked form, for answers.
    hints = JSONAttribute(default=dict)
    enabled = BooleanAttribute()
    # The Secrets Manager version holding the secrets (null: the type has none).
    secret_version = UnicodeAttribute(null=True)


class ChannelDeliveryItem(Model):
    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    channel_id = UnicodeAttribute()
    delivery_id = UnicodeAttribute()
    notification = JSONAttribute()
    recipients = JSONAttribute(default=list)
    test = BooleanAttribute(default=False)
    status = UnicodeAttribute()
    # [{number, at, status, response_code, latency_ms, error, retry_after, sent_to}]
    attempts = JSONAttribute(default=list)
    # How many attempts are recorded: an attempt is written on condition that it is the
    # next one (a message received twice never records, nor sends, twice).
    attempt_count = NumberAttribute(default=0)
    # The attempt number the current series began at (1; a dead-letter retry starts
    # another), so the retry schedule counts from there.
    series_start = NumberAttribute(default=1)
    next_attempt_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
