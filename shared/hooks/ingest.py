"""The hook-events consumer's work: store an accepted inbound message as an event of its
source and announce it on the bus as `hook.received` (triggers act on it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared import events, queues
from shared.hooks import event_store, source_store
from shared.hooks.domain import InboundEvent
from shared.hooks.event_store import MAX_INLINE_PAYLOAD_BYTES
from shared.hooks.payloads import put_payload
from shared.observability import logger

RECEIVED = "hook.received"
PAYMENT_EVENTS = "payment-events"


class NotAnnounced(RuntimeError):
    """The bus refused the event: the message is retried (storing it again is harmless)."""


def ingest(message: dict[str, Any]) -> InboundEvent | None:
    """Store and announce one `hook-events` message; None when its source was deleted
    after accepting it (nobody can read the event, and nothing should act on it)."""
    team_id, source_id, event_id = message["team_id"], message["source_id"], message["event_id"]
    source = source_store.lookup(source_id)
    if source is None or source.team_id != team_id:
        logger.info("inbound event of a deleted source dropped", extra={"event_id": event_id})
        return None
    payload: str | None = message.get("payload")
    payload_key: str | None = message.get("payload_key")
    if payload is not None and len(payload.encode()) > MAX_INLINE_PAYLOAD_BYTES:
        payload_key = put_payload(team_id, source_id, event_id, payload.encode())
        payload = None
    event = event_store.save_event(
        team_id,
        source_id,
        event_id,
        message["type"],
        datetime.fromisoformat(message["received_at"]),
        payload,
        payload_key,
    )
    detail = {
        "team_id": team_id,
        "source_id": source_id,
        "event_id": event_id,
        "sender_type": event.type,
        "scheme": source.scheme,
    }
    if source.purpose == "payments":
        # The payment provider's confirmation, for the payments worker, which applies each
        # event once: queued before the announcement, so a retry after a failed announce
        # repeats only what is idempotent, never the announcement.
        queues.send(
            PAYMENT_EVENTS, {"team_id": team_id, "source_id": source_id, "event_id": event_id}
        )
    if not events.publish(RECEIVED, detail):
        raise NotAnnounced(f"{RECEIVED} for {event_id} was not put on the bus")
    return event
