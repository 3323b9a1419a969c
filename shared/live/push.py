"""One domain event to the team's connections whose subscriptions match it.

The event's team is `detail.team_id` (every product event carries it); its connections are
one Query of gsi1, less those whose item or credential expired. Each matching connection
gets `{type: "event", event, data}` through the Management API, in parallel; a
connection that answers 410 Gone is deleted. Another failure of one post (throttled after
botocore's retries, a 5xx) is logged and the rest go on: failing the record would push
again to every connection that already had it, and the retry would come a visibility
timeout later, when the event is stale.

No idempotency record: a redelivered event is pushed again, a duplicate hint on a socket
(clients read the job's state after an event, so seeing one twice changes nothing),
where a record would cost two DynamoDB writes per event on the path whose latency is
the feature. What fails the record is the Query itself (the table is unavailable): SQS
delivers it again, and after its receives the live-events DLQ keeps it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.ids import utcnow
from shared.live import connections, store
from shared.live.domain import Connection
from shared.observability import logger

# Parallel posts per event (the management client's pool holds as many connections).
MAX_PARALLEL_POSTS = 16


@dataclass(frozen=True, slots=True)
class Pushed:
    sent: int = 0
    gone: int = 0
    failed: int = 0


def event_message(event_type: str, data: Mapping[str, Any]) -> bytes:
    return json.dumps({"type": "event", "event": event_type, "data": data}, default=str).encode()


def push(bus_event: Mapping[str, Any], *, now: datetime | None = None) -> Pushed:
    """Push an EventBridge event (the live-events body) to its team's matching sockets."""
    event_type = bus_event.get("detail-type")
    data = bus_event.get("detail") or {}
    team_id = data.get("team_id") if isinstance(data, Mapping) else None
    if not isinstance(event_type, str) or not isinstance(team_id, str) or not team_id:
        return Pushed()  # no team to push to (not a product event of a team)
    moment = now or utcnow()
    # A connection whose credential expired is skipped, like one whose item did: both are
    # on the item the Query read.
    targets = [
        c
        for c in store.team_connections(team_id, moment)
        if c.credential_valid(moment) and c.wants(event_type, data)
    ]
    if not targets:
        return Pushed()
    message = event_message(event_type, data)
    if len(targets) == 1:
        outcomes = [_post(targets[0], message)]
    else:
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_POSTS, len(targets))) as pool:
            outcomes = list(pool.map(lambda target: _post(target, message), targets))
    return Pushed(
        sent=outcomes.count("sent"), gone=outcomes.count("gone"), failed=outcomes.count("failed")
    )


def _post(connection: Connection, message: bytes) -> str:
    try:
        if connections.post(connection.connection_id, message):
            return "sent"
    except Exception:
        logger.warning(
            "live push failed", extra={"connection_id": connection.connection_id}, exc_info=True
        )
        return "failed"
    # 410: API Gateway no longer has the socket (closed without a $disconnect we saw).
    store.delete_connection(connection.connection_id)
    return "gone"
