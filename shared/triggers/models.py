"""How triggers are stored, in the events table (layout fixed by issue 13's design note):

    pk = TEAM#<team>                 sk = TRIGGER#<id>        a trigger
    pk = RULE#<team>#<event>         sk = TRIGGER#<id>        an event trigger's index item,
                                                              written with the trigger
    pk = TRIGGER#<id>                sk = RUN#<run id>        a run (history; TTL 90 days)
    pk = TRIGGER#<id>                sk = FIRE#<fire>         a fire's claim (TTL 7 days)

The index item is what the matcher reads (shared.event_rules.patterns.lookup_keys): the
pattern's filters and whether the trigger is on, so an event finds its triggers without
reading them. Notification rules share those partitions under their own `NRULE#` prefix.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from shared.db.base import TeamItem, table_meta

TRIGGER_PREFIX = "TRIGGER#"
RUN_PREFIX = "RUN#"
FIRE_PREFIX = "FIRE#"


def trigger_key(trigger_id: str = "") -> str:
    return f"{TRIGGER_PREFIX}{trigger_id}"


def run_key(run_id: str = "") -> str:
    return f"{RUN_PREFIX}{run_id}"


def fire_key(fire: str) -> str:
    return f"{FIRE_PREFIX}{fire}"


class TriggerItem(TeamItem):
    Meta = table_meta("events")

    trigger_id = UnicodeAttribute()
    name = UnicodeAttribute()
    type = UnicodeAttribute()
    config = JSONAttribute()
    action = JSONAttribute()
    overlap = UnicodeAttribute()
    enabled = BooleanAttribute()
    failure_limit = NumberAttribute()
    consecutive_failures = NumberAttribute(default=0)
    paused_reason = UnicodeAttribute(null=True)
    disabled_at = UTCDateTimeAttribute(null=True)
    window_started_at = UTCDateTimeAttribute(null=True)
    window_runs = NumberAttribute(default=0)
    owner_id = UnicodeAttribute(null=True)
    last_run_id = UnicodeAttribute(null=True)
    last_job_id = UnicodeAttribute(null=True)
    last_task_id = UnicodeAttribute(null=True)
    last_workflow_run_id = UnicodeAttribute(null=True)
    last_fired_at = UTCDateTimeAttribute(null=True)


class TriggerRuleItem(Model):
    """An event trigger as the matcher sees it: which trigger, its filters, whether on."""

    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    trigger_id = UnicodeAttribute()
    # The pattern's `event` and `filters` ({dotted path: value or [values]}).
    event = UnicodeAttribute()
    filters = JSONAttribute(default=dict)
    enabled = BooleanAttribute()


class RunItem(Model):
    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    trigger_id = UnicodeAttribute()
    run_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    fired_at = UTCDateTimeAttribute()
    scheduled_for = UTCDateTimeAttribute()
    outcome = UnicodeAttribute()
    job_id = UnicodeAttribute(null=True)
    task_id = UnicodeAttribute(null=True)
    workflow_run_id = UnicodeAttribute(null=True)
    event_id = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    output = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


class FireClaimItem(Model):
    """At most one run per fire: put on condition that no claim of the fire exists."""

    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    run_id = UnicodeAttribute()
    claimed_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
