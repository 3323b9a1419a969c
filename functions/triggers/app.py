"""The triggers group's app: schedule and event triggers (CRUD), turning one on or off,
its history, and running one now. A trigger acts for the member who created it (the jobs
it starts are theirs); a manual fire acts for the caller.

Every member may manage the team's triggers, as every member may start jobs.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response, status

from functions.triggers import service
from functions.triggers.schemas import (
    FireAnswer,
    RunPublic,
    Toggled,
    ToggleRequest,
    TriggerCreate,
    TriggerPublic,
    TriggerReplace,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.triggers.domain import Trigger, TriggerRun

router = group_router(tags=["triggers"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)
# A config, a cron, a time zone or a template refused for a reason no schema states; 404:
# a run_workflow action's workflow the team does not have.
_CHECKED = error_responses(404, 422, 503)
# Toggling needs no body; one may ask for missed fires to be replayed.
_NO_BODY = ToggleRequest()


def _public(trigger: Trigger) -> dict[str, Any]:
    description, times = service.schedule_view(trigger)
    answer = trigger.model_dump(
        mode="json",
        include={
            "id",
            "name",
            "type",
            "config",
            "action",
            "overlap",
            "enabled",
            "failure_limit",
            "consecutive_failures",
            "paused_reason",
            "last_run_id",
            "last_job_id",
            "last_task_id",
            "last_workflow_run_id",
            "last_fired_at",
            "created_at",
            "updated_at",
        },
    )
    return {**answer, "schedule_description": description, "next_fire_times": times}


def _run(run: TriggerRun) -> dict[str, Any]:
    return run.model_dump(
        include={
            "id",
            "reason",
            "fired_at",
            "scheduled_for",
            "outcome",
            "job_id",
            "task_id",
            "workflow_run_id",
            "error",
        }
    )


def _fields(body: TriggerCreate) -> dict[str, Any]:
    return {
        "name": body.name,
        "kind": body.type,
        "config": body.config.model_dump(),
        "action": body.action,
        "overlap": body.overlap,
        "enabled": body.enabled,
        "failure_limit": body.failure_limit,
    }


@router.get(
    "/triggers",
    response_model=Page[TriggerPublic],
    responses=LIST_RESPONSES,
    summary="The team's triggers, oldest first",
)
async def list_triggers(principal: CurrentPrincipal, params: Pagination) -> dict[str, Any]:
    items, total, cursor = service.list_triggers(principal.team_id, params)
    return page_answer([_public(item) for item in items], total, params, cursor)


@router.post(
    "/triggers",
    status_code=201,
    response_model=TriggerPublic,
    responses=_CHECKED,
    summary="Create a schedule or event trigger (answered with its next 5 fire times)",
)
async def create_trigger(body: TriggerCreate, principal: CurrentPrincipal) -> dict[str, Any]:
    trigger = service.create_trigger(principal.team_id, principal.subject, **_fields(body))
    return _public(trigger)


@router.get(
    "/triggers/{trigger_id}",
    response_model=TriggerPublic,
    responses=_FOUND,
    summary="A trigger, its schedule in words and its next 5 fire times",
)
async def get_trigger(trigger_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
    return _public(service.get_trigger(principal.team_id, trigger_id))


@router.put(
    "/triggers/{trigger_id}",
    response_model=TriggerPublic,
    responses={**_CHECKED, **error_responses(404, 409)},
    summary="Replace a trigger (its schedule follows; its history stays)",
)
async def replace_trigger(
    trigger_id: str, body: TriggerReplace, principal: CurrentPrincipal
) -> dict[str, Any]:
    trigger = service.replace_trigger(principal.team_id, trigger_id, **_fields(body))
    return _public(trigger)


@router.delete(
    "/triggers/{trigger_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(404, 409, 503),
    summary="Delete a trigger and its schedule",
)
async def delete_trigger(trigger_id: str, principal: CurrentPrincipal) -> Response:
    service.delete_trigger(principal.team_id, trigger_id)
    return Response(status_code=204)


@router.post(
    "/triggers/{trigger_id}/toggle",
    response_model=Toggled,
    responses=error_responses(404, 409, 503),
    summary="Turn a trigger off, or on again; missed fires are replayed only when asked",
)
async def toggle_trigger(
    trigger_id: str,
    principal: CurrentPrincipal,
    body: ToggleRequest = _NO_BODY,
) -> dict[str, Any]:
    replay = body.replay_missed
    trigger = service.toggle_trigger(principal.team_id, trigger_id, replay_missed=replay)
    return {"enabled": trigger.enabled}


@router.get(
    "/triggers/{trigger_id}/history",
    response_model=Page[RunPublic],
    responses={**LIST_RESPONSES, **_FOUND},
    summary="A trigger's runs, newest first (kept 90 days)",
)
async def list_history(
    trigger_id: str, principal: CurrentPrincipal, params: Pagination
) -> dict[str, Any]:
    items, total, cursor = service.list_runs(principal.team_id, trigger_id, params)
    return page_answer([_run(item) for item in items], total, params, cursor)


@router.post(
    "/triggers/{trigger_id}/fire",
    response_model=FireAnswer,
    # 202: a run_agent action, queued (its model call may outlast the answer); 409: the
    # trigger kept changing while its run was recorded; 503: the action could not be started
    # now (ours and transient: nothing ran, a retry may).
    responses={
        202: {"model": FireAnswer, "description": "Queued: the run appears in the history"},
        **error_responses(404, 409, 503),
    },
    summary="Run the trigger's action now (recorded in its history like any fire; an "
    "agent's run is queued: 202)",
)
async def fire_trigger(
    trigger_id: str, principal: CurrentPrincipal, response: Response
) -> dict[str, Any]:
    run, run_id = service.fire_now(principal.team_id, trigger_id, principal.subject)
    if run is None:
        response.status_code = status.HTTP_202_ACCEPTED
        return {"run_id": run_id, "outcome": "queued"}
    return {
        "run_id": run.id,
        "outcome": run.outcome,
        "job_id": run.job_id,
        "task_id": run.task_id,
        "workflow_run_id": run.workflow_run_id,
    }


app = create_app("triggers", router)
