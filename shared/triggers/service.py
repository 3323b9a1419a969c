"""Creating a trigger, and the checks every write of one makes: the triggers group's routes
call these, and so does anything else that makes a trigger the same way (a marketplace
template's install).

Checked at creation, not at fire time: a schedule's cron, rate, at, timezone and bounds
(shared.triggers.schedule), an event pattern against the catalog
(shared.event_rules.patterns), every `{{event...}}` placeholder of the action against
the event type's fields (a schedule has no event: none allowed), and a run_workflow
action's workflow (the team's, else 404; its steps are checked when it runs).

A schedule trigger's EventBridge Scheduler schedule is written after the trigger's item
(shared.triggers.scheduler); a new trigger whose schedule cannot be written is taken back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from shared.errors import Unprocessable
from shared.event_rules.patterns import EventPattern, check_pattern
from shared.event_rules.templates import check_template
from shared.ids import new_id, utcnow
from shared.triggers import scheduler, store
from shared.triggers.domain import (
    Overlap,
    RunAgentAction,
    RunWorkflowAction,
    Trigger,
    TriggerAction,
    TriggerType,
)
from shared.triggers.schedule import Schedule, validate_schedule
from shared.vault.references import references_within, require_known

_ACTION: Final[TypeAdapter[TriggerAction]] = TypeAdapter(TriggerAction)


def check_trigger(
    team_id: str,
    kind: TriggerType,
    config: dict[str, Any],
    action: TriggerAction,
    now: datetime,
) -> tuple[dict[str, Any], Schedule | None]:
    """The config as stored and, for a schedule, what it is; 422 with the reason, 404 for
    a workflow the team does not have."""
    _check_secret_names(team_id, action)
    if isinstance(action, RunWorkflowAction):
        from shared.workflows.service import get_workflow

        get_workflow(team_id, action.workflow_id)
    template = _ACTION.dump_python(action, mode="json", exclude={"type"})
    if kind == "schedule":
        config = {key: value for key, value in config.items() if value is not None}
        schedule = validate_schedule(config, now)
        check_template(template, None)
        return config, schedule
    try:
        pattern = check_pattern(EventPattern.model_validate(config))
    except ValidationError:
        raise Unprocessable(
            "an event trigger's config is {event, filters?}: an event type, a prefix such as"
            ' "job.*" or "*", and optional filters'
        ) from None
    check_template(template, pattern.event)
    return pattern.model_dump(mode="json"), None


def _check_secret_names(team_id: str, action: TriggerAction) -> None:
    """The team's secrets are used by name (`{{secrets.NAME}}`) in a run_agent action's
    prompt, which goes to the model and is never stored resolved: each must exist (422).
    Anywhere else (a job's or task's body) the value would be stored and answered: 422."""
    if isinstance(action, RunAgentAction):
        require_known(team_id, action.prompt, what="the action's prompt")
        return
    if references_within(_ACTION.dump_python(action, mode="json")):
        raise Unprocessable(
            "secrets ({{secrets.NAME}}) may be used only in a run_agent action's prompt"
        )


def create_trigger(
    team_id: str,
    user_id: str | None,
    *,
    name: str,
    kind: TriggerType,
    config: dict[str, Any],
    action: TriggerAction,
    overlap: Overlap,
    enabled: bool,
    failure_limit: int,
) -> Trigger:
    now = utcnow()
    stored, schedule = check_trigger(team_id, kind, config, action, now)
    trigger = Trigger(
        id=new_id(),
        team_id=team_id,
        name=name,
        type=kind,
        config=stored,
        action=action,
        overlap=overlap,
        enabled=enabled,
        failure_limit=failure_limit,
        disabled_at=None if enabled else now,
        owner_id=user_id,
        created_at=now,
        updated_at=now,
    )
    trigger = store.create_trigger(trigger)
    if schedule is not None:
        try:
            scheduler.put_schedule(trigger, schedule, now)
        except Exception:
            # No trigger without its schedule: take the item back, the caller may retry.
            store.delete_trigger(trigger)
            raise
    return trigger
