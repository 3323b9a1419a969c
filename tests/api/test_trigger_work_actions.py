"""Triggers that start the new kinds of work, end to end on the local runtime: a
`create_task` trigger on `job.completed` creates the task as POST /tasks would (rendered
from the event) and the task runner completes it; a `run_workflow` trigger fired by
POST /triggers/{id}/fire starts a run that completes; the fire answer and the history
name what was started; what is wrong is refused when the trigger is written (another
team's workflow 404, a task body POST /tasks refuses 422) or, when only the fire can
know (a workflow with no steps), recorded as a failed run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.ids import new_id
from tests.api.test_tasks_api import make_agent, task_of
from tests.api.test_workflow_runs import run_of, wait_until
from tests.api.test_workflows_api import add_step, make_workflow
from tests.factories import Account, assert_error
from tests.fake_triggers import remove_trigger_schedules

TRIGGERS = "/api/v1/triggers"
ON_JOB_COMPLETED = {"event": "job.completed", "filters": {"data.slug": "todo-api"}}
DAILY = {"cron": "0 9 * * *", "timezone": "UTC"}


@pytest.fixture
def member(new_account: Callable[..., Account]) -> Iterator[Account]:
    yield new_account()
    remove_trigger_schedules()


def create(member: Account, action: dict[str, Any], **body: Any) -> Any:
    payload = {"name": "work", "type": "schedule", "config": DAILY, "action": action, **body}
    return member.client.post(TRIGGERS, headers=member.headers, json=payload)


def created(member: Account, action: dict[str, Any], **body: Any) -> dict[str, Any]:
    answer = create(member, action, **body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def history(member: Account, trigger_id: str) -> list[dict[str, Any]]:
    answer = member.client.get(f"{TRIGGERS}/{trigger_id}/history", headers=member.headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def fire(member: Account, trigger_id: str) -> dict[str, Any]:
    answer = member.client.post(f"{TRIGGERS}/{trigger_id}/fire", headers=member.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_task_trigger_on_job_completed_creates_the_task_and_the_runner_completes_it(
    member: Account, pump: Any, published: list[tuple[str, dict[str, Any]]]
) -> None:
    from shared import events

    agent = make_agent(member)
    task = {
        "title": "Review {{event.data.slug}}",
        "description": "job {{event.data.job_id}} completed",
        "instructions": "Review what job {{event.data.job_id}} built",
        "priority": "high",
        "agent_id": agent,
    }
    trigger = created(
        member, {"type": "create_task", "task": task}, type="event", config=ON_JOB_COMPLETED
    )
    assert trigger["action"]["task"]["title"] == "Review {{event.data.slug}}"
    job_id = new_id()

    # bus -> trigger-events -> matcher -> trigger-fires -> runner -> task-runs -> task runner
    assert events.publish(
        "job.completed", {"team_id": member.team_id, "job_id": job_id, "slug": "todo-api"}
    )
    pump.drain()

    [run] = history(member, trigger["id"])
    assert (run["reason"], run["outcome"], run["error"]) == ("event", "started", None)
    assert (run["job_id"], run["workflow_run_id"]) == (None, None)
    made = task_of(member, run["task_id"])
    # POST /tasks's task, the event's fields filled in, run to its end by the agent
    assert made["title"] == "Review todo-api"
    assert made["description"] == f"job {job_id} completed"
    assert made["instructions"] == f"Review what job {job_id} built"
    assert (made["priority"], made["agent_id"]) == ("high", agent)
    assert made["status"] == "completed", made
    assert made["result"]
    kinds = [kind for kind, data in published if data.get("task_id") == run["task_id"]]
    assert kinds[0] == "task.created"
    assert "task.completed" in kinds
    shown = member.client.get(f"{TRIGGERS}/{trigger['id']}", headers=member.headers).json()
    assert (shown["last_task_id"], shown["last_job_id"]) == (run["task_id"], None)


def test_a_workflow_trigger_fired_now_starts_a_run_that_completes(
    member: Account, pump: Any, published: list[tuple[str, dict[str, Any]]]
) -> None:
    agent = make_agent(member)
    workflow = make_workflow(member)["id"]
    step = add_step(
        member,
        workflow,
        "draft",
        step_type="agent_task",
        agent_id=agent,
        config={"instructions": "Draft the notes"},
    )
    assert step.status_code == 201, step.text
    trigger = created(member, {"type": "run_workflow", "workflow_id": workflow})

    answer = fire(member, trigger["id"])

    assert answer["outcome"] == "started"
    assert (answer["job_id"], answer["task_id"]) == (None, None)
    run_id = answer["workflow_run_id"]
    assert run_id
    fired = [data for kind, data in published if kind == "trigger.fired"]
    assert [(d["run_id"], d["workflow_run_id"], d["task_id"]) for d in fired] == [
        (answer["run_id"], run_id, None)
    ]
    wait_until(pump, lambda: run_of(member, workflow, run_id)["status"] != "running")
    assert run_of(member, workflow, run_id)["status"] == "completed"
    [row] = history(member, trigger["id"])
    assert (row["id"], row["reason"], row["workflow_run_id"]) == (
        answer["run_id"],
        "manual",
        run_id,
    )


def test_a_workflow_with_no_steps_is_a_failed_run_saying_so(member: Account) -> None:
    workflow = make_workflow(member)["id"]
    trigger = created(member, {"type": "run_workflow", "workflow_id": workflow})

    answer = fire(member, trigger["id"])

    assert answer["outcome"] == "failed"
    assert answer["workflow_run_id"] is None
    [row] = history(member, trigger["id"])
    assert row["error"] == "the workflow has no steps to run"


def test_another_teams_or_an_unknown_workflow_is_404_when_the_trigger_is_written(
    member: Account, new_account: Callable[..., Account]
) -> None:
    other = new_account()
    theirs = make_workflow(other)["id"]

    for workflow_id in (theirs, new_id()):
        answer = create(member, {"type": "run_workflow", "workflow_id": workflow_id})
        assert_error(answer, 404)
        assert answer.json()["detail"] == f"workflow {workflow_id} not found"

    # and on a PUT, as on a POST
    mine = created(member, {"type": "run_workflow", "workflow_id": make_workflow(member)["id"]})
    replaced = member.client.put(
        f"{TRIGGERS}/{mine['id']}",
        headers=member.headers,
        json={
            "name": "work",
            "type": "schedule",
            "config": DAILY,
            "action": {"type": "run_workflow", "workflow_id": theirs},
        },
    )
    assert_error(replaced, 404)
    assert replaced.json()["detail"] == f"workflow {theirs} not found"
    listed = member.client.get(TRIGGERS, headers=member.headers).json()
    assert [item["id"] for item in listed["items"]] == [mine["id"]]


@pytest.mark.parametrize(
    "task",
    [
        {"title": "Summarise"},  # no instructions
        {"title": "Summarise", "instructions": "x", "priority": "urgent"},
        {"title": "Summarise", "instructions": "x", "colour": "red"},
        {"title": "Summarise", "instructions": "x", "agent_id": "not-an-id"},
        {"title": " ", "instructions": "x"},
    ],
)
def test_a_task_body_post_tasks_refuses_is_422_when_the_trigger_is_written(
    member: Account, task: dict[str, Any]
) -> None:
    answer = create(member, {"type": "create_task", "task": task})
    assert_error(answer, 422)
    listed = member.client.get(TRIGGERS, headers=member.headers).json()
    assert listed["items"] == []


def test_a_task_actions_placeholders_are_checked_when_the_trigger_is_written(
    member: Account,
) -> None:
    task = {"title": "Review {{event.data.slug}}", "instructions": "x"}
    # a schedule has no event to fill them from
    scheduled = create(member, {"type": "create_task", "task": task})
    assert scheduled.status_code == 422, scheduled.text
    # an event's field the event type does not have
    unknown = {"title": "Review {{event.data.nope}}", "instructions": "x"}
    answer = create(
        member,
        {"type": "create_task", "task": unknown},
        type="event",
        config=ON_JOB_COMPLETED,
    )
    assert answer.status_code == 422, answer.text
    assert "nope" in answer.json()["detail"]
