"""Triggers' storage (keys in shared.triggers.models): the trigger and, for an event
trigger, its index item, always written together; runs; fire claims. Domain objects out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import TypeAdapter
from pynamodb.exceptions import PutError
from pynamodb.transactions import TransactWrite

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import query_page
from shared.db.transactions import transact
from shared.db.versioned import LostRace
from shared.errors import Conflict, NotFound
from shared.event_rules.patterns import EventPattern, pattern_key
from shared.ids import looks_like_id
from shared.pagination import PageParams
from shared.triggers.domain import (
    CLAIM_RETENTION_SECONDS,
    RUN_RETENTION_SECONDS,
    Trigger,
    TriggerAction,
    TriggerRun,
)
from shared.triggers.models import (
    TRIGGER_PREFIX,
    FireClaimItem,
    RunItem,
    TriggerItem,
    TriggerRuleItem,
    fire_key,
    run_key,
    trigger_key,
)

_ACTION: TypeAdapter[TriggerAction] = TypeAdapter(TriggerAction)


@dataclass(frozen=True, slots=True)
class TriggerRule:
    """An event trigger's index item: what matching an event needs."""

    team_id: str
    trigger_id: str
    pattern: EventPattern
    enabled: bool


def _to_trigger(item: TriggerItem) -> Trigger:
    return Trigger(
        id=item.trigger_id,
        team_id=item.team_id,
        name=item.name,
        type=item.type,  # type: ignore[arg-type]
        config=item.config,
        action=_ACTION.validate_python(item.action),
        overlap=item.overlap,  # type: ignore[arg-type]
        enabled=item.enabled,
        failure_limit=int(item.failure_limit),
        consecutive_failures=int(item.consecutive_failures or 0),
        paused_reason=item.paused_reason,
        disabled_at=item.disabled_at,
        window_started_at=item.window_started_at,
        window_runs=int(item.window_runs or 0),
        owner_id=item.owner_id,
        last_run_id=item.last_run_id,
        last_job_id=item.last_job_id,
        last_task_id=item.last_task_id,
        last_workflow_run_id=item.last_workflow_run_id,
        last_fired_at=item.last_fired_at,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=item.version,
    )


def _item(trigger: Trigger) -> TriggerItem:
    item = TriggerItem(
        team_partition(trigger.team_id),
        trigger_key(trigger.id),
        team_id=trigger.team_id,
        trigger_id=trigger.id,
        name=trigger.name,
        type=trigger.type,
        config=trigger.config,
        action=_ACTION.dump_python(trigger.action, mode="json"),
        overlap=trigger.overlap,
        enabled=trigger.enabled,
        failure_limit=trigger.failure_limit,
        consecutive_failures=trigger.consecutive_failures,
        paused_reason=trigger.paused_reason,
        disabled_at=trigger.disabled_at,
        window_started_at=trigger.window_started_at,
        window_runs=trigger.window_runs,
        owner_id=trigger.owner_id,
        last_run_id=trigger.last_run_id,
        last_job_id=trigger.last_job_id,
        last_task_id=trigger.last_task_id,
        last_workflow_run_id=trigger.last_workflow_run_id,
        last_fired_at=trigger.last_fired_at,
        created_at=trigger.created_at,
        updated_at=trigger.updated_at,
    )
    if trigger.version is not None:  # written on the version read (none: a new trigger)
        item.version = trigger.version
    return item


def _pattern(trigger: Trigger) -> EventPattern | None:
    return EventPattern.model_validate(trigger.config) if trigger.type == "event" else None


def _rule(trigger: Trigger, pattern: EventPattern) -> TriggerRuleItem:
    return TriggerRuleItem(
        pattern_key(trigger.team_id, pattern),
        trigger_key(trigger.id),
        team_id=trigger.team_id,
        trigger_id=trigger.id,
        event=pattern.event,
        filters=dict(pattern.filters),
        enabled=trigger.enabled,
    )


def create_trigger(trigger: Trigger) -> Trigger:
    """Store the trigger (and an event trigger's index item) in one transaction."""
    pattern = _pattern(trigger)

    def write(transaction: TransactWrite) -> None:
        transaction.save(_item(trigger), condition=TriggerItem.pk.does_not_exist())
        if pattern is not None:
            transaction.save(_rule(trigger, pattern))

    if transact(write, what="trigger"):
        raise Conflict("a trigger with this id already exists; try again")
    return trigger.model_copy(update={"version": 1})


def get_trigger(team_id: str, trigger_id: str, *, consistent: bool = False) -> Trigger | None:
    if not looks_like_id(trigger_id):
        return None
    item = get_or_none(
        TriggerItem, team_partition(team_id), trigger_key(trigger_id), consistent=consistent
    )
    return None if item is None else _to_trigger(item)


def list_triggers(team_id: str, params: PageParams) -> tuple[list[Trigger], int, str | None]:
    """The team's triggers, oldest first: one Query on the TRIGGER# range (and a count)."""
    items, total, cursor = query_page(
        TriggerItem,
        team_partition(team_id),
        params,
        range_key_condition=TriggerItem.sk.startswith(TRIGGER_PREFIX),
        newest_first=False,
    )
    return [_to_trigger(item) for item in items], total, cursor


def save_trigger(before: Trigger, after: Trigger) -> Trigger:
    """Write `after` on condition that the trigger is still as `before` was read (LostRace
    if not), its index item moved along in the same transaction."""
    old, new = _pattern(before), _pattern(after)

    def write(transaction: TransactWrite) -> None:
        transaction.save(_item(after))  # on the version read
        if old is not None and (new is None or new.event != old.event):
            transaction.delete(
                TriggerRuleItem(pattern_key(before.team_id, old), trigger_key(before.id))
            )
        if new is not None:
            transaction.save(_rule(after, new))

    if transact(write, what="trigger"):  # only the trigger's version is conditioned
        raise LostRace
    return after.model_copy(update={"version": (after.version or 0) + 1})


def delete_trigger(trigger: Trigger) -> None:
    """Delete the trigger as read (Conflict when it changed since) and its index item.
    Its runs and claims expire by TTL."""
    pattern = _pattern(trigger)

    def write(transaction: TransactWrite) -> None:
        transaction.delete(_item(trigger))  # on the version read
        if pattern is not None:
            transaction.delete(
                TriggerRuleItem(pattern_key(trigger.team_id, pattern), trigger_key(trigger.id))
            )

    if transact(write, what="trigger"):
        raise Conflict("the trigger was changed by another request; reload and retry")


def rules_for(lookup_key: str) -> list[TriggerRule]:
    """The event triggers stored under one index partition (`patterns.lookup_keys`): one
    Query on its TRIGGER# range (notification rules there are NRULE#)."""
    with storage_errors("triggers"):
        items = list(
            TriggerRuleItem.query(lookup_key, TriggerRuleItem.sk.startswith(TRIGGER_PREFIX))
        )
    return [
        TriggerRule(
            team_id=item.team_id,
            trigger_id=item.trigger_id,
            pattern=EventPattern(event=item.event, filters=item.filters or {}),
            enabled=item.enabled,
        )
        for item in items
    ]


# Runs.


def _to_run(item: RunItem) -> TriggerRun:
    return TriggerRun(
        id=item.run_id,
        team_id=item.team_id,
        trigger_id=item.trigger_id,
        reason=item.reason,  # type: ignore[arg-type]
        fired_at=item.fired_at,
        scheduled_for=item.scheduled_for,
        outcome=item.outcome,  # type: ignore[arg-type]
        job_id=item.job_id,
        task_id=item.task_id,
        workflow_run_id=item.workflow_run_id,
        event_id=item.event_id,
        error=item.error,
        output=item.output,
    )


def save_run(run: TriggerRun) -> TriggerRun:
    item = RunItem(
        trigger_key(run.trigger_id),
        run_key(run.id),
        team_id=run.team_id,
        trigger_id=run.trigger_id,
        run_id=run.id,
        reason=run.reason,
        fired_at=run.fired_at,
        scheduled_for=run.scheduled_for,
        outcome=run.outcome,
        job_id=run.job_id,
        task_id=run.task_id,
        workflow_run_id=run.workflow_run_id,
        event_id=run.event_id,
        error=run.error,
        output=run.output,
        expires_at=run.fired_at + timedelta(seconds=RUN_RETENTION_SECONDS),
    )
    with storage_errors("trigger run"):
        item.save()
    return run


def get_run(trigger_id: str, run_id: str) -> TriggerRun | None:
    item = get_or_none(RunItem, trigger_key(trigger_id), run_key(run_id), consistent=True)
    return None if item is None else _to_run(item)


def list_runs(trigger_id: str, params: PageParams) -> tuple[list[TriggerRun], int, str | None]:
    """A trigger's runs, newest first (run ids are ULIDs)."""
    items, total, cursor = query_page(
        RunItem,
        trigger_key(trigger_id),
        params,
        range_key_condition=RunItem.sk.startswith(run_key()),
        newest_first=True,
    )
    return [_to_run(item) for item in items], total, cursor


# Fire claims.


def claim_fire(team_id: str, trigger_id: str, fire: str, run_id: str, now: datetime) -> str | None:
    """Claim a fire for `run_id`: None when it is ours now, else the run id of the claim
    already there (the fire was delivered twice)."""
    item = FireClaimItem(
        trigger_key(trigger_id),
        fire_key(fire),
        team_id=team_id,
        run_id=run_id,
        claimed_at=now,
        expires_at=now + timedelta(seconds=CLAIM_RETENTION_SECONDS),
    )
    try:
        with storage_errors("fire claim"):
            item.save(condition=FireClaimItem.pk.does_not_exist())
        return None
    except Conflict:
        held = get_or_none(FireClaimItem, trigger_key(trigger_id), fire_key(fire), consistent=True)
        if held is None:  # released in between: a retry of the message claims it again
            raise
        return held.run_id


def release_fire(trigger_id: str, fire: str, run_id: str) -> None:
    """Give a claim back (its run could not be made): a redelivery may try again."""
    item = FireClaimItem(trigger_key(trigger_id), fire_key(fire))
    try:
        with storage_errors("fire claim"):
            item.delete(condition=FireClaimItem.run_id == run_id)
    except (Conflict, NotFound, PutError):
        pass


def require(trigger: Trigger | None) -> Trigger:
    if trigger is None:
        raise NotFound("trigger not found")
    return trigger
