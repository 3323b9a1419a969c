"""How SSH connections are stored, in the work table (every key under the team):

    pk = TEAM#<team>  sk = SSH#<connection>   a connection: where, who, how it
                                              authenticates, the secret version holding
                                              its credential, its pinned host key
    pk = TEAM#<team>  sk = COUNT#SSH          how many connections the team has (ADD only)

The work table holds the team's other configured things an admin manages (workers, demos);
a connection is a handful of reads per test or execute, never a listing across teams. Ids
are ULIDs, so the prefix read backwards lists newest first; the count moves in the same
transaction as each create and delete. The credential is never here (shared.ssh.secrets).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shared.db.base import TeamItem, table_meta

SSH_PREFIX = "SSH#"
COUNT_KEY = "COUNT#SSH"


def connection_key(connection_id: str = "") -> str:
    return f"{SSH_PREFIX}{connection_id}"


class SshConnectionItem(TeamItem):
    Meta = table_meta("work")

    connection_id = UnicodeAttribute()
    name = UnicodeAttribute()
    hostname = UnicodeAttribute()
    port = NumberAttribute()
    username = UnicodeAttribute()
    auth_method = UnicodeAttribute()
    secret_version = UnicodeAttribute()
    host_key_algorithm = UnicodeAttribute(null=True)
    host_key_fingerprint = UnicodeAttribute(null=True)
    host_key_public = UnicodeAttribute(null=True)
    host_key_pinned_at = UTCDateTimeAttribute(null=True)
    created_by = UnicodeAttribute()
