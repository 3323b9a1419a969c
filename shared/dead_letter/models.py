"""How dead-letter items are stored, in the events table (layout fixed by issue 12's note):

    pk = TEAM#<team>   sk = DEAD#<id>     an item; gsi1pk = DEAD#<team>#<status>, gsi1sk = id
    pk = TEAM#<team>   sk = DEADSTATS     the pending items' count per source

Ids are time-ordered (ULIDs), so the status index lists a team's pending items oldest
first: the stats' oldest age and retry-all read it. The counts move in the same
transaction as the item they count.
"""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import Gsi1Index, TeamItem, table_meta
from shared.dead_letter.domain import SOURCES

ITEM_PREFIX = "DEAD#"
STATS_SK = "DEADSTATS"


def item_key(item_id: str = "") -> str:
    return f"{ITEM_PREFIX}{item_id}"


def status_key(team_id: str, status: str) -> str:
    return f"{ITEM_PREFIX}{team_id}#{status}"


class DeadLetterItem(TeamItem):
    Meta = table_meta("events")

    item_id = UnicodeAttribute()
    source = UnicodeAttribute()
    status = UnicodeAttribute()
    error = UnicodeAttribute()
    # The body as JSON: an object, or the text itself when the body was not JSON.
    payload = JSONAttribute()
    origin_queue = UnicodeAttribute(null=True)
    retried_at = UTCDateTimeAttribute(null=True)
    by_status: Gsi1Index[DeadLetterItem] = Gsi1Index()


class DeadLetterStatsItem(TeamItem):
    """Pending items per source, changed only by ``ADD`` in the items' transactions (its
    version is incremented, never compared). One attribute per source: ``ADD`` cannot reach
    into a map that does not exist yet, and the first ``ADD`` creates this item."""

    Meta = table_meta("events")

    bus_events = NumberAttribute(default=0, attr_name="pending_bus-events")
    webhook_deliveries = NumberAttribute(default=0, attr_name="pending_webhook-deliveries")
    hook_events = NumberAttribute(default=0, attr_name="pending_hook-events")
    bus = NumberAttribute(default=0, attr_name="pending_bus")
    manual = NumberAttribute(default=0, attr_name="pending_manual")
    live_events = NumberAttribute(default=0, attr_name="pending_live-events")
    trigger_fires = NumberAttribute(default=0, attr_name="pending_trigger-fires")
    trigger_events = NumberAttribute(default=0, attr_name="pending_trigger-events")
    notification_deliveries = NumberAttribute(
        default=0, attr_name="pending_notification-deliveries"
    )
    notification_events = NumberAttribute(default=0, attr_name="pending_notification-events")
    chat_tickets = NumberAttribute(default=0, attr_name="pending_chat-tickets")
    task_runs = NumberAttribute(default=0, attr_name="pending_task-runs")
    workflow_steps = NumberAttribute(default=0, attr_name="pending_workflow-steps")
    knowledge_index = NumberAttribute(default=0, attr_name="pending_knowledge-index")
    team_wipes = NumberAttribute(default=0, attr_name="pending_team-wipes")
    payment_events = NumberAttribute(default=0, attr_name="pending_payment-events")
    discovery_runs = NumberAttribute(default=0, attr_name="pending_discovery-runs")


def counter_name(source: str) -> str:
    return source.replace("-", "_")


def pending_counter(source: str) -> NumberAttribute:
    counter = getattr(DeadLetterStatsItem, counter_name(source), None)
    if not isinstance(counter, NumberAttribute):
        raise ValueError(f"no dead-letter counter for source {source!r}")
    return counter


# Every source has its counter (fails at import, not at the first item).
for _source in SOURCES:
    pending_counter(_source)
