"""How workers are stored, in the work table:

pk = TEAM#<team>   sk = WORKER#<worker>        a worker (ULID: the prefix lists oldest first)
    gsi1pk = WORKERS_ONLINE                    only while online (sparse): the sweep
    gsi1sk = <last heartbeat iso>#<team>#<id>  queries it for heartbeats older than 90 s,
                                               across teams, without reading offline ones
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import Gsi1Index, TeamItem, table_meta

WORKER_PREFIX = "WORKER#"
ONLINE_INDEX = "WORKERS_ONLINE"


def worker_key(worker_id: str = "") -> str:
    return f"{WORKER_PREFIX}{worker_id}"


def heartbeat_sort_key(heartbeat_iso: str, team_id: str, worker_id: str) -> str:
    return f"{heartbeat_iso}#{team_id}#{worker_id}"


class WorkerItem(TeamItem):
    Meta = table_meta("work")

    worker_id = UnicodeAttribute()
    name = UnicodeAttribute()
    hostname = UnicodeAttribute()
    ip_address = UnicodeAttribute(null=True)
    max_agents = NumberAttribute()
    cpu_cores = NumberAttribute(null=True)
    memory_total_mb = NumberAttribute(null=True)
    os_info = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    is_approved = BooleanAttribute(default=False)
    group = UnicodeAttribute(null=True)
    registered_by = UnicodeAttribute()
    cpu_usage_percent = NumberAttribute(null=True)
    memory_usage_percent = NumberAttribute(null=True)
    disk_usage_percent = NumberAttribute(null=True)
    last_heartbeat_at = UTCDateTimeAttribute(null=True)

    online_by_heartbeat: Gsi1Index[WorkerItem] = Gsi1Index()
