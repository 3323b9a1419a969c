"""How outbound webhooks are stored, in the events table (layout fixed by issue 12's note):

    pk = TEAM#<team>                 sk = WEBHOOK#<id>          an endpoint
    pk = SUB#<team>#<type or *>      sk = WEBHOOK#<id>          one per subscribed type,
                                                                 written with the endpoint
    pk = WEBHOOK#<id>                sk = DELIVERY#<delivery>   a delivery (TTL 30 days)
        gsi1pk = DELIVERYSTATUS#<webhook>#<status>  gsi1sk = <delivery id>

The subscriptions are the fan-out's index: an event of team T and type X is matched by two
Queries (SUB#T#X and SUB#T#*), whatever the other teams and types subscribe to.
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

from shared.db.base import Gsi1Index, TeamItem, table_meta

WEBHOOK_PREFIX = "WEBHOOK#"
DELIVERY_PREFIX = "DELIVERY#"


def webhook_key(webhook_id: str = "") -> str:
    return f"{WEBHOOK_PREFIX}{webhook_id}"


def subscription_partition(team_id: str, event_type: str) -> str:
    return f"SUB#{team_id}#{event_type}"


def delivery_key(delivery_id: str = "") -> str:
    return f"{DELIVERY_PREFIX}{delivery_id}"


def delivery_status_key(webhook_id: str, status: str) -> str:
    return f"DELIVERYSTATUS#{webhook_id}#{status}"


class WebhookItem(TeamItem):
    Meta = table_meta("events")

    webhook_id = UnicodeAttribute()
    url = UnicodeAttribute()
    events = ListAttribute(of=UnicodeAttribute)
    description = UnicodeAttribute(null=True)
    enabled = BooleanAttribute()
    # [{"value", "expires_at" (ISO or null)}], the current secret first.
    secrets = JSONAttribute()
    disabled_reason = UnicodeAttribute(null=True)
    failing_since = UTCDateTimeAttribute(null=True)
    last_success_at = UTCDateTimeAttribute(null=True)


class SubscriptionItem(Model):
    """What the fan-out needs of an endpoint subscribed to a type: which, and whether on."""

    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    webhook_id = UnicodeAttribute()
    enabled = BooleanAttribute()


class DeliveryItem(Model):
    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    webhook_id = UnicodeAttribute()
    delivery_id = UnicodeAttribute()
    message_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    # The exact JSON text sent (every attempt signs and sends these bytes).
    body = UnicodeAttribute()
    status = UnicodeAttribute()
    # [{number, at, status, response_code, latency_ms, error, retry_after}]
    attempts = JSONAttribute(default=list)
    # How many attempts are recorded: an attempt is written on condition that it is the
    # next one (a redelivered message never records twice).
    attempt_count = NumberAttribute(default=0)
    # The attempt number the current series began at (1; a redelivery starts another), so
    # the retry schedule counts from there.
    series_start = NumberAttribute(default=1)
    last_response_code = NumberAttribute(null=True)
    next_attempt_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    expires_at = TTLAttribute()

    by_status: Gsi1Index[DeliveryItem] = Gsi1Index()
