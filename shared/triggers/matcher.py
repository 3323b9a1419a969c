"""Event triggers: each product event matched to the team's event triggers, one
`trigger-fires` message per trigger it fires (the runner, shared.triggers.runner, runs it).

Finding the triggers: an event of type `t` of team `T` reads the index partitions of
`patterns.lookup_keys(T, t)` (`RULE#T#t`, `RULE#T#<each prefix>.*`, `RULE#T#*`: at most
four Queries, each on its `TRIGGER#` range, so notification rules stored there are not
read), whatever other teams or this team's other types hold. The filters are then tested
on the envelope (`patterns.matches`); a `hook.received` envelope carries the sender's body
as `payload`, loaded only when some trigger may fire on it.

Loops: a trigger may fire on `trigger.*` events (one trigger's fire starting another's),
but never on its own (`trigger.fired` of itself would fire it again, forever), and a
chain of triggers firing one another is cut after `MAX_CHAIN` links (the runner's
`trigger.fired` says how deep it is in `chain`; an event with none is the chain's start).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from shared.event_rules.inbound import HOOK_RECEIVED, rule_envelope
from shared.event_rules.patterns import envelope, lookup_keys, matches
from shared.ids import utcnow
from shared.observability import logger

# The runner's queue (shared.queues; shared.triggers.scheduler.FIRES_QUEUE).
FIRES_QUEUE: Final = "trigger-fires"
# A sender's body larger than this is left out of the fire's message (ten of them go in
# one SQS request, at most 256 KiB): the action loads it again (shared.triggers.actions).
MAX_CARRIED_PAYLOAD_BYTES: Final = 16 * 1024
# Triggers firing on one another's `trigger.*` events: this many links at most.
MAX_CHAIN: Final = 5
TRIGGER_EVENTS: Final = "trigger."


def match(bus_event: Mapping[str, Any]) -> int:
    """The fires queued for one EventBridge event (a `trigger-events` body)."""
    from shared import queues
    from shared.triggers import store

    detail = bus_event.get("detail") or {}
    team_id, event_type = detail.get("team_id"), bus_event.get("detail-type")
    if not isinstance(team_id, str) or not team_id or not isinstance(event_type, str):
        return 0
    rules = [
        rule
        for key in lookup_keys(team_id, event_type)
        for rule in store.rules_for(key)
        # The key holds the team; the item's own team is checked too, never trusted alone.
        if rule.enabled and rule.team_id == team_id
    ]
    if not rules or _too_deep(bus_event):
        return 0
    event = rule_envelope(bus_event) if event_type == HOOK_RECEIVED else envelope(bus_event)
    fired = [
        rule.trigger_id
        for rule in rules
        if matches(rule.pattern, event) and not _own_event(rule.trigger_id, event)
    ]
    if not fired:
        return 0
    carried = _carried(event)
    at = _time(bus_event.get("time"))
    queues.send_many(
        FIRES_QUEUE,
        [
            {
                "team_id": team_id,
                "trigger_id": trigger_id,
                "scheduled_for": at.isoformat(),
                "reason": "event",
                "event": carried,
            }
            # One fire per trigger, however many of its keys matched (a trigger has one).
            for trigger_id in dict.fromkeys(fired)
        ],
    )
    return len(dict.fromkeys(fired))


def _own_event(trigger_id: str, event: Mapping[str, Any]) -> bool:
    """A trigger's own `trigger.*` event (its fire, its pause) never fires it."""
    data = event.get("data") or {}
    return str(event.get("type", "")).startswith(TRIGGER_EVENTS) and (
        data.get("trigger_id") == trigger_id
    )


def _too_deep(bus_event: Mapping[str, Any]) -> bool:
    """A `trigger.*` event at the end of a chain of `MAX_CHAIN` triggers fires none."""
    if not str(bus_event.get("detail-type", "")).startswith(TRIGGER_EVENTS):
        return False
    chain = (bus_event.get("detail") or {}).get("chain")
    if isinstance(chain, int) and not isinstance(chain, bool) and chain >= MAX_CHAIN:
        logger.warning(
            "trigger chain cut",
            extra={"event_id": bus_event.get("id"), "chain": chain, "limit": MAX_CHAIN},
        )
        return True
    return False


def _carried(event: dict[str, Any]) -> dict[str, Any]:
    """The envelope the fire's message carries: a large sender's body left out."""
    if "payload" not in event:
        return event
    size = len(json.dumps(event["payload"], separators=(",", ":"), ensure_ascii=False).encode())
    if size <= MAX_CARRIED_PAYLOAD_BYTES:
        return event
    return {key: value for key, value in event.items() if key != "payload"}


def _time(value: Any) -> datetime:
    if not isinstance(value, str) or not value:
        return utcnow()
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
