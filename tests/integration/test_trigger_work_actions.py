"""A trigger's create_task and run_workflow actions through the runner on the local
runtime: a schedule fired by the pump on a driven clock creates a task the task runner
completes; a fire run again creates no second task; the overlap policy waits on a task
or a workflow run that is still going as it does on a job."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from pydantic import TypeAdapter

from functions.triggers import service
from shared.agents import service as agents
from shared.agents.schemas import AgentCreate
from shared.ids import new_id
from shared.llm.providers.templates import MODEL as TEMPLATES_MODEL
from shared.pagination import PageParams
from shared.tasks import service as tasks
from shared.triggers import runner, store
from shared.triggers.actions import is_running, run_action
from shared.triggers.domain import (
    CreateTaskAction,
    FireRequest,
    Trigger,
    TriggerAction,
    TriggerRun,
)
from shared.workflows import runs as workflow_runs
from shared.workflows import service as workflows
from shared.workflows.requests import StepCreate, WorkflowCreate
from tests.fake_triggers import remove_trigger_schedules

pytestmark = pytest.mark.usefixtures("aws")

OWNER = "user-owner"
DAILY_9 = {"cron": "0 9 * * *", "timezone": "Europe/Berlin"}


@pytest.fixture(autouse=True)
def _schedules() -> Iterator[None]:
    yield
    remove_trigger_schedules()


def writer(team: str) -> str:
    made = agents.create_agent(
        team,
        AgentCreate(
            name="Writer", role="writer", llm_provider="templates", llm_model=TEMPLATES_MODEL
        ),
    )
    return made.id


def make_trigger(team: str, action: dict[str, Any], **fields: Any) -> Trigger:
    arguments: dict[str, Any] = {
        "name": "daily work",
        "kind": "schedule",
        "config": DAILY_9,
        "action": TypeAdapter(TriggerAction).validate_python(action),
        "overlap": "skip",
        "enabled": True,
        "failure_limit": 5,
        **fields,
    }
    return service.create_trigger(team, OWNER, **arguments)


def runs_of(trigger: Trigger) -> list[TriggerRun]:
    items, _, _ = store.list_runs(trigger.id, PageParams(limit=100))
    return list(reversed(items))  # oldest first


def scheduled_fire(trigger: Trigger, at: datetime) -> TriggerRun:
    """The trigger's schedule fire at `at`, run (the run recorded)."""
    request = FireRequest(
        team_id=trigger.team_id, trigger_id=trigger.id, scheduled_for=at, reason="schedule"
    )
    run = runner.fire(request)
    assert run is not None
    return run


def test_the_pump_fires_a_schedule_whose_task_the_task_runner_completes(pump: Any) -> None:
    team = f"trg-{new_id()}"
    agent = writer(team)
    with time_machine.travel(datetime(2027, 3, 25, 7, 0, tzinfo=UTC), tick=False) as clock:
        trigger = make_trigger(
            team,
            {
                "type": "create_task",
                "task": {"title": "Daily notes", "instructions": "Write them", "agent_id": agent},
            },
        )
        clock.move_to(datetime(2027, 3, 25, 8, 0, 5, tzinfo=UTC))  # 09:00 in Berlin
        pump.drain()
        pump.drain()

    [run] = runs_of(trigger)
    assert (run.reason, run.outcome, run.error) == ("schedule", "started", None)
    assert run.scheduled_for == datetime(2027, 3, 25, 8, tzinfo=UTC)
    assert run.task_id is not None
    task = tasks.get_task(team, run.task_id)
    assert (task.title, task.agent_id, task.created_by) == ("Daily notes", agent, OWNER)
    assert task.status == "completed"
    assert task.result
    assert store.get_trigger(team, trigger.id).last_task_id == run.task_id  # type: ignore[union-attr]


def test_a_create_task_fire_run_again_creates_one_task() -> None:
    team = f"trg-{new_id()}"
    action = CreateTaskAction.model_validate(
        {"type": "create_task", "task": {"title": "Triage", "instructions": "Sort the inbox"}}
    )
    run_id = new_id()

    first = run_action(team, OWNER, action, None, run_id=run_id)
    again = run_action(team, OWNER, action, None, run_id=run_id)

    assert first.outcome == again.outcome == "started"
    assert first.task_id is not None
    assert again.task_id == first.task_id
    listed, total, _ = tasks.list_tasks(team, PageParams(limit=10))
    assert total == 1
    # no agent: the task waits for a person or a board's agent, as POST /tasks makes it
    assert [(task.id, task.status, task.created_by) for task in listed] == [
        (first.task_id, "pending", OWNER)
    ]


def test_overlap_skip_waits_for_the_previous_task_to_end() -> None:
    team = f"trg-{new_id()}"
    trigger = make_trigger(
        team, {"type": "create_task", "task": {"title": "Review", "instructions": "Review it"}}
    )

    first = scheduled_fire(trigger, datetime(2027, 3, 25, 8, tzinfo=UTC))
    assert first.outcome == "started"
    assert first.task_id is not None
    assert is_running(team, None, task_id=first.task_id) is True
    # the task is still pending: the next day's fire is skipped
    second = scheduled_fire(trigger, datetime(2027, 3, 26, 8, tzinfo=UTC))
    assert second.outcome == "skipped"
    assert second.task_id is None

    tasks.cancel_task(team, first.task_id)
    assert is_running(team, None, task_id=first.task_id) is False
    third = scheduled_fire(trigger, datetime(2027, 3, 27, 8, tzinfo=UTC))
    assert third.outcome == "started"
    assert third.task_id not in (None, first.task_id)
    assert [run.outcome for run in runs_of(trigger)] == ["started", "skipped", "started"]


def test_overlap_skip_waits_for_the_previous_workflow_run_to_end() -> None:
    team = f"trg-{new_id()}"
    workflow = workflows.create_workflow(team, OWNER, WorkflowCreate(name="Release"))
    # a wait of an hour: the run stays running until cancelled (nothing pumps here)
    workflows.add_step(
        team, workflow.id, StepCreate(name="hold", step_type="wait", config={"seconds": 3600})
    )
    trigger = make_trigger(team, {"type": "run_workflow", "workflow_id": workflow.id})

    first = scheduled_fire(trigger, datetime(2027, 3, 25, 8, tzinfo=UTC))
    assert first.outcome == "started", first
    assert first.workflow_run_id is not None
    started = workflow_runs.get_run(team, workflow.id, first.workflow_run_id)
    assert started.created_by == OWNER
    second = scheduled_fire(trigger, datetime(2027, 3, 26, 8, tzinfo=UTC))
    assert second.outcome == "skipped"

    workflow_runs.cancel_run(team, workflow.id, first.workflow_run_id)
    assert is_running(team, None, workflow_run_id=first.workflow_run_id) is False
    third = scheduled_fire(trigger, datetime(2027, 3, 27, 8, tzinfo=UTC))
    assert third.outcome == "started"
    assert third.workflow_run_id not in (None, first.workflow_run_id)
    workflow_runs.cancel_run(team, workflow.id, third.workflow_run_id)  # type: ignore[arg-type]


def test_is_running_answers_false_for_work_that_is_not_there() -> None:
    team = f"trg-{new_id()}"
    assert is_running(team, None, task_id=new_id()) is False
    assert is_running(team, None, workflow_run_id=new_id()) is False
    assert is_running(team, None) is False
