"""A bus event as rules see it, with what the bus does not carry: for `hook.received`, the
sender's own body (`event.payload`), read back from the inbound event store (inline in
its item, or in S3 when it was too large; shared.hooks).

A body that is gone (the inbound event outlived its 7 days, its source was deleted) or
names another team is left out: a rule filtering on `payload.*` then does not match, and a
template reading it fails naming the field, rather than acting on a guess.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from shared.event_rules.patterns import envelope

HOOK_RECEIVED: Final = "hook.received"


def rule_envelope(bus_event: Mapping[str, Any]) -> dict[str, Any]:
    """`patterns.envelope(bus_event)`, with `payload` for a `hook.received` event."""
    if bus_event.get("detail-type") != HOOK_RECEIVED:
        return envelope(bus_event)
    return envelope(bus_event, payload=sender_body(bus_event.get("detail") or {}))


def with_sender_body(event: dict[str, Any]) -> dict[str, Any]:
    """An envelope of `hook.received` with its `payload` loaded again (a queue message too
    small to carry it left it out); as it was when the body cannot be read."""
    body = sender_body(event.get("data") or {})
    return event if body is None else {**event, "payload": body}


def sender_body(detail: Mapping[str, Any]) -> Any:
    """The body an inbound event's sender posted (parsed JSON, or its text); None when it
    cannot be read for this team."""
    from shared.hooks import event_store, payloads

    team_id, source_id, event_id = (
        detail.get("team_id"),
        detail.get("source_id"),
        detail.get("event_id"),
    )
    if not (isinstance(team_id, str) and isinstance(source_id, str) and isinstance(event_id, str)):
        return None
    found = event_store.get_event(team_id, source_id, event_id)
    if found is None:
        return None
    if found.payload_key is None:
        return found.payload
    text = payloads.read_payload(found.payload_key).decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text
