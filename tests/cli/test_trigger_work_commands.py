"""`factory triggers` with the actions that start tasks and workflow runs: what add sends,
what fire and history print."""

from __future__ import annotations

import json

from tests.cli.fakes import FakeApi
from tests.cli.test_commands import factory
from tests.cli.test_trigger_commands import RUN, TRIGGER, answering, page


def test_add_on_event_sends_a_create_task_action() -> None:
    api = FakeApi(routes={"POST /api/v1/triggers": answering(201, TRIGGER)})

    result = factory(
        "triggers", "add-on-event", "job.completed", "--name", "review",
        "--task", "Review {{event.data.slug}}", "--instructions", "Read it",
        "--task-agent", "01AGENT", api=api,
    )  # fmt: skip

    assert result.code == 0, result.err
    (sent,) = api.sent("POST", "/api/v1/triggers")
    assert json.loads(sent.content)["action"] == {
        "type": "create_task",
        "task": {
            "title": "Review {{event.data.slug}}",
            "instructions": "Read it",
            "agent_id": "01AGENT",
        },
    }


def test_a_task_needs_instructions_and_a_workflow_is_one_action() -> None:
    api = FakeApi(routes={"POST /api/v1/triggers": answering(201, TRIGGER)})
    bare = factory(
        "triggers", "add-schedule", "--name", "x", "--rate", "every hour", "--task", "T", api=api
    )
    both = factory(
        "triggers", "add-schedule", "--name", "x", "--rate", "every hour",
        "--workflow", "01FLOW", "--job", "J", api=api,
    )  # fmt: skip
    assert bare.code == both.code == 2
    assert "--task needs --instructions" in bare.err
    assert api.sent("POST", "/api/v1/triggers") == []

    made = factory(
        "triggers", "add-schedule", "--name", "x", "--rate", "every hour",
        "--workflow", "01FLOW", api=api,
    )  # fmt: skip
    assert made.code == 0, made.err
    (sent,) = api.sent("POST", "/api/v1/triggers")
    assert json.loads(sent.content)["action"] == {"type": "run_workflow", "workflow_id": "01FLOW"}


def test_fire_and_history_name_the_task_or_workflow_run() -> None:
    answer = {"run_id": "01RUN", "outcome": "started", "job_id": None}
    task_run = {**RUN, "job_id": None, "task_id": "01TASK", "workflow_run_id": None}
    api = FakeApi(
        routes={
            "POST /api/v1/triggers/01TRIG/fire": answering(
                200, {**answer, "task_id": None, "workflow_run_id": "01WRUN"}
            ),
            "GET /api/v1/triggers/01TRIG/history": answering(200, page(task_run)),
        }
    )

    fired = factory("triggers", "fire", "01TRIG", api=api)
    assert fired.code == 0, fired.err
    assert fired.out.strip() == "run 01RUN: started, workflow run 01WRUN"
    runs = factory("triggers", "history", "01TRIG", api=api)
    assert runs.code == 0, runs.err
    assert "task 01TASK" in runs.out
