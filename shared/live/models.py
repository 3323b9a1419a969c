"""How WebSocket connections are stored, in the events table (issue 13's key layout):

    pk = WSCONN#<connection id>   sk = CONN
        gsi1pk = WS#<team>         gsi1sk = <connection id>    TTL 2 h, refreshed by ping
                                                               (never past the credential's
                                                               expiry and its grace)

The push reads a team's connections with one Query of gsi1 (WS#<team>), whatever other
teams hold; a message reads its own connection by id.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from shared.db.base import table_meta

CONNECTION_SORT_KEY = "CONN"


def connection_partition(connection_id: str) -> str:
    return f"WSCONN#{connection_id}"


def team_connections_key(team_id: str) -> str:
    return f"WS#{team_id}"


class ConnectionsByTeam(GlobalSecondaryIndex["ConnectionItem"]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class ConnectionItem(Model):
    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    connection_id = UnicodeAttribute()
    team_id = UnicodeAttribute()
    subject = UnicodeAttribute()
    role = UnicodeAttribute()
    # jwt | api_key (None: an item written before it was recorded, read as jwt)
    via = UnicodeAttribute(null=True)
    # An access token's exp; absent for an API key (read again at each ping instead).
    credential_expires_at = UTCDateTimeAttribute(null=True)
    # [{"event", "job_id"}]
    subscriptions = JSONAttribute(default=list)
    connected_at = UTCDateTimeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    expires_at = TTLAttribute()

    by_team = ConnectionsByTeam()
