"""payment-events batches: each provider event (stored by hook_ingest after /hooks verified
its signature) applied to its order once (shared.payments.service.apply_event), failures
reported to SQS.

The event is read back from the inbound events' store, not carried in the message: what is
applied is exactly what the verified path stored. An event that moves no order (another
type, an order of no one) is done; one that cannot be applied now (storage) raises, so SQS
delivers it again, and after its receives it lands in payment-events-dlq.
"""

from __future__ import annotations

import json
from typing import Any

from shared.hooks import event_store
from shared.hooks.payloads import read_payload
from shared.payments.service import apply_event
from shared.queue_consumer import consume, json_body

# Longer than a message can live through its receives and a redrive.
IDEMPOTENCY_SECONDS = 24 * 3600


def _message(record: Any) -> dict[str, Any]:
    body = json_body(record)
    return {
        "team_id": str(body["team_id"]),
        "source_id": str(body["source_id"]),
        "event_id": str(body["event_id"]),
        "once": f"{body['source_id']}#{body['event_id']}",
    }


def apply(message: dict[str, Any]) -> dict[str, Any]:
    team_id = message["team_id"]
    event = event_store.get_event(team_id, message["source_id"], message["event_id"])
    if event is None:
        return {"order": None}  # expired or its source deleted: nothing to apply
    payload = event.payload
    if event.payload_key:
        payload = json.loads(read_payload(event.payload_key))
    order = apply_event(team_id, payload) if isinstance(payload, dict) else None
    return {"order": None if order is None else order.id}


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records, each provider event applied once; the batch item failures."""
    return consume(
        event, context, apply, key="once", keep_seconds=IDEMPOTENCY_SECONDS, message=_message
    )
