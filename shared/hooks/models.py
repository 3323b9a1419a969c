"""How inbound webhooks are stored, in the events table (layout fixed by issue 12's note):

    pk = TEAM#<team>    sk = SOURCE#<id>        a source: name, scheme, header, secret
    pk = SOURCE#<id>    sk = SOURCE             its lookup for the public path (one GetItem
                                                answers team, scheme, header and secret)
    pk = SOURCE#<id>    sk = EVENT#<event id>   an event received (TTL 7 days)
    pk = SOURCE#<id>    sk = MSG#<message id>   a replay claim: body digest, event id (TTL 48 h)

A source and its lookup are written and deleted in one transaction. The lookup, events and
claims are keyed by the source, not the team: the public path knows only the source id,
and every team-facing read first reads the team's own source item.
"""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from shared.db.base import TeamItem, table_meta

SOURCE_PREFIX = "SOURCE#"
LOOKUP_SK = "SOURCE"
EVENT_PREFIX = "EVENT#"
CLAIM_PREFIX = "MSG#"


def source_key(source_id: str) -> str:
    return f"{SOURCE_PREFIX}{source_id}"


def event_key(event_id: str = "") -> str:
    return f"{EVENT_PREFIX}{event_id}"


def claim_key(message_id: str) -> str:
    return f"{CLAIM_PREFIX}{message_id}"


class SourceItem(TeamItem):
    Meta = table_meta("events")

    source_id = UnicodeAttribute()
    name = UnicodeAttribute()
    scheme = UnicodeAttribute()
    header = UnicodeAttribute(null=True)
    secret = UnicodeAttribute()
    purpose = UnicodeAttribute(null=True)  # None: "events" (sources made before purposes)


class SourceLookupItem(Model):
    """Not a TeamItem: no version or timestamps to write or read on the public path."""

    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    scheme = UnicodeAttribute()
    header = UnicodeAttribute(null=True)
    secret = UnicodeAttribute()
    purpose = UnicodeAttribute(null=True)


class ClaimItem(Model):
    """A sender's message id, claimed by the first acceptance of it."""

    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    body_sha256 = UnicodeAttribute()
    event_id = UnicodeAttribute()
    expires_at = TTLAttribute()


class EventItem(Model):
    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    source_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    type = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
    # The body as received (UTF-8 text), or the S3 key holding it when it is too large.
    payload = UnicodeAttribute(null=True)
    payload_key = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()
